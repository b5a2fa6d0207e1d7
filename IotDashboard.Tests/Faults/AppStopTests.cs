using System.Diagnostics;
using IotDashboard.Core.Storage.Entities;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace IotDashboard.Tests.Faults;

/// <summary>
/// The real app process stopped the way an operator (SIGTERM, Ctrl+C) or the kernel (SIGKILL) stops it, with the
/// fault fleet running; the readings generated before the stop are then counted in the database. The subclasses
/// below choose the database.
/// </summary>
public abstract class AppStopTests(ITestOutputHelper output)
{
    /// <summary>The longest stretch of readings a hard kill may lose: the storage sink commits at least this often.</summary>
    private static readonly TimeSpan _maxLoss = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan _exitTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan _runTimeout = TimeSpan.FromSeconds(60);

    protected abstract string ProviderName { get; }

    protected abstract Task<Dictionary<string, string?>> NewDatabaseAsync();

    /// <summary>The database's own consistency check after a crash, or null where the crash cannot touch it (a server).</summary>
    protected virtual Task<string?> IntegrityCheckAsync(Dictionary<string, string?> settings) => Task.FromResult<string?>(null);

    [Theory]
    [InlineData(AppProcess.SigTerm)]
    [InlineData(AppProcess.SigInt)]
    public async Task GracefulStop_StoresEveryReadingGeneratedBeforeTheStop(int signal)
    {
        var settings = await PrepareAsync();
        using var reader = CoreTestHost.Build(settings);
        await using var app = AppProcess.Start(AppProcess.Environment(settings));
        await WaitForReadingsAsync(reader, app, since: null, perDevice: 3);

        var stopwatch = Stopwatch.StartNew();
        await app.SignalAsync(signal);
        var exitCode = await app.WaitForExitAsync(_exitTimeout);
        var stopTime = stopwatch.Elapsed;

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{app.Output}");
        var devices = await FaultFleet.ReadAsync(reader);
        Report($"{ProviderName} graceful stop (signal {signal}) in {stopTime.TotalSeconds:0.0} s", devices, d => d.ReadingsCount);
        Assert.All(devices, d =>
        {
            // The counter is the scheduler's count of generated readings, written once more after it stopped.
            Assert.Equal(d.ReadingsCount, d.Times.Count);
            Assert.Equal(d.LastReadingAt, d.LastStored);
            Assert.Empty(d.Irregular());
            Assert.Equal(DeviceStatus.Running, d.Status); // so the next start resumes it
        });
    }

    [Fact]
    public async Task HardKill_LosesAtMostOneSecond_OpensConsistent_AndResumesTheDevices()
    {
        var settings = await PrepareAsync();
        using var reader = CoreTestHost.Build(settings);
        DateTimeOffset killedAt;
        await using (var app = AppProcess.Start(AppProcess.Environment(settings)))
        {
            // Past one counter flush (every 5 s) and into the next interval, so the stored counters are stale.
            await WaitForReadingsAsync(reader, app, since: null, perDevice: 3);
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            killedAt = DateTimeOffset.UtcNow;
            await app.SignalAsync(AppProcess.SigKill);
            await app.WaitForExitAsync(_exitTimeout);
        }

        var integrity = await IntegrityCheckAsync(settings);
        if (integrity is not null)
        {
            Assert.Equal("ok", integrity);
        }

        var afterKill = await FaultFleet.ReadAsync(reader);
        Report($"{ProviderName} after kill -9 (integrity_check: {integrity ?? "n/a, server not killed"}); counter column = stale stored counter", afterKill, d => d.ReadingsCount);
        var lostAtKill = afterKill.ToDictionary(d => d.Id, d => LostBefore(d, killedAt));
        Assert.All(afterKill, d =>
        {
            Assert.Empty(d.Irregular());
            Assert.True(lostAtKill[d.Id] * d.Interval <= _maxLoss,
                $"{d.Name}: last stored {d.LastStored:HH:mm:ss.fff}, killed at {killedAt:HH:mm:ss.fff}: {lostAtKill[d.Id]} readings lost");
        });
        output.WriteLine($"lost at the kill (due before it, not stored): {lostAtKill.Values.Sum()} readings; worst device {afterKill.Max(d => killedAt - d.LastStored!.Value).TotalMilliseconds:0} ms behind the kill");

        var restartedAt = DateTimeOffset.UtcNow;
        await using (var app = AppProcess.Start(AppProcess.Environment(settings)))
        {
            await WaitForReadingsAsync(reader, app, since: restartedAt, perDevice: 2);
            output.WriteLine($"every device stored 2 new readings {(DateTimeOffset.UtcNow - restartedAt).TotalSeconds:0.0} s after the restart");
            await app.SignalAsync(AppProcess.SigTerm);
            Assert.Equal(0, await app.WaitForExitAsync(_exitTimeout));
        }

        var final = await FaultFleet.ReadAsync(reader);
        Report($"{ProviderName} after restart and graceful stop", final, d => d.ReadingsCount);
        var before = afterKill.ToDictionary(d => d.Id);
        Assert.All(final, d =>
        {
            Assert.True(d.Times.Count(t => t > restartedAt) >= 2, $"{d.Name} did not resume");
            Assert.Empty(d.Irregular(from: restartedAt));
            Assert.Equal(before[d.Id].Times.Count, d.Times.Count(t => t <= killedAt)); // nothing before the kill changed

            // The counter is reconciled from the stored rows at start-up: it counts what was stored, plus at most
            // the readings generated and counted before the last flush that the kill then lost.
            var uncounted = d.ReadingsCount - d.Times.Count;
            Assert.InRange(uncounted, 0, lostAtKill[d.Id]);
        });
    }

    private async Task<Dictionary<string, string?>> PrepareAsync()
    {
        var settings = await NewDatabaseAsync();
        settings["Simulation:StateFlushSeconds"] = "5"; // the shipped default
        await FaultFleet.PrepareDatabaseAsync(settings);
        return settings;
    }

    private static Task WaitForReadingsAsync(IHost reader, AppProcess app, DateTimeOffset? since, int perDevice) =>
        CoreTestHost.WaitUntilAsync(
            async () =>
            {
                if (app.HasExited)
                {
                    throw new InvalidOperationException($"The app exited with {app.ExitCode}:\n{app.Output}");
                }

                var devices = await FaultFleet.ReadAsync(reader);
                return devices.Count == FaultFleet.Devices.Count && devices.All(d => d.Times.Count(t => since is null || t > since) >= perDevice);
            },
            _runTimeout,
            $"{perDevice} stored readings from every device");

    /// <summary>Readings due after the device's last stored one and not after <paramref name="killedAt"/>: generated (or about to be), never stored.</summary>
    private static long LostBefore(StoredDevice device, DateTimeOffset killedAt) =>
        device.LastStored is { } last && killedAt > last ? (killedAt - last).Ticks / device.Interval.Ticks : 0;

    private void Report(string title, IReadOnlyList<StoredDevice> devices, Func<StoredDevice, long> counter)
    {
        output.WriteLine($"{title}: counter {devices.Sum(counter)}, stored {devices.Sum(d => d.Times.Count)}, ticks skipped by the scheduler (never generated) {devices.Sum(d => d.SkippedTicks())}");
        foreach (var d in devices)
        {
            output.WriteLine($"  {d.Name,-32} counter {counter(d),6}  stored {d.Times.Count,6}  skipped {d.SkippedTicks(),3}  last {d.LastStored:HH:mm:ss.fff}");
        }
    }
}

public sealed class SqliteAppStopTests(ITestOutputHelper output) : AppStopTests(output)
{
    protected override string ProviderName => "SQLite";

    protected override Task<Dictionary<string, string?>> NewDatabaseAsync() => Task.FromResult(CoreTestHost.Sqlite(CoreTestHost.TempSqlitePath()));

    protected override async Task<string?> IntegrityCheckAsync(Dictionary<string, string?> settings)
    {
        var builder = new SqliteConnectionStringBuilder(settings["Database:ConnectionString"]) { Pooling = false };
        await using var connection = new SqliteConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string?)await command.ExecuteScalarAsync();
    }
}

[Collection("postgres-faults")]
public sealed class PostgresAppStopTests(PostgresServerFixture postgres, ITestOutputHelper output) : AppStopTests(output)
{
    protected override string ProviderName => "PostgreSQL";

    protected override async Task<Dictionary<string, string?>> NewDatabaseAsync() => CoreTestHost.Postgres(await postgres.CreateDatabaseAsync());
}

/// <summary>Graceful stop with MQTT on; the publisher is being built in branch <c>mqtt</c>.</summary>
public sealed class MqttShutdownTests
{
    // TODO(mqtt): once the MQTT publisher is merged, stop the app process (SIGTERM) with MQTT on against the
    // Mosquitto fixture and assert that every reading generated before the stop was published or is in the
    // publisher's queue (compare AppStopTests.GracefulStop_StoresEveryReadingGeneratedBeforeTheStop).
    [Fact(Skip = "TODO(mqtt): needs the MQTT publisher from branch `mqtt`")]
    public Task GracefulStop_WithMqttOn_QueuesEveryReadingForSending() => Task.CompletedTask;
}

/// <summary>The fault tests' own PostgreSQL server: the outage test stops it, which no other collection must feel.</summary>
[CollectionDefinition("postgres-faults")]
public sealed class PostgresFaultsCollection : ICollectionFixture<PostgresServerFixture>;
