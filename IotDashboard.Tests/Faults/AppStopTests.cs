using System.Diagnostics;
using IotDashboard.Core.Storage.Entities;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
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
            // Nothing stored before the kill changed. (Compared up to the last row stored then: the app may still have
            // generated a reading due just after the test took the time of the kill.)
            Assert.Equal(before[d.Id].Times, d.Times.Where(t => t <= before[d.Id].LastStored));

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

/// <summary>
/// Graceful stop with MQTT on while the broker is away: what was generated before the stop waits in the
/// publisher's disk queue and is sent, with its original time, after the next start.
/// </summary>
[Collection("mosquitto")]
public sealed class MqttShutdownTests(MosquittoFixture mosquitto, ITestOutputHelper output)
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GracefulStop_WithMqttOn_QueuesEveryReadingForSending()
    {
        var folder = Directory.CreateTempSubdirectory("iot-mqtt-stop-").FullName;
        var settings = CoreTestHost.Sqlite(Path.Combine(folder, "app.db"));
        settings["Simulation:StateFlushSeconds"] = "5";
        await FaultFleet.PrepareDatabaseAsync(settings);
        using var reader = CoreTestHost.Build(settings);
        var withMqtt = new Dictionary<string, string?>(settings)
        {
            ["Mqtt:Enabled"] = "true",
            ["Mqtt:Mode"] = "Generic",
            ["Mqtt:Host"] = mosquitto.Host,
            ["Mqtt:Port"] = mosquitto.PlainPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mqtt:Qos"] = "1",
            ["Mqtt:QueuePath"] = Path.Combine(folder, "queue"),
            ["Mqtt:KeysPath"] = Path.Combine(folder, "keys"),
        };

        // A subscriber from the start: what is published live, and later what waited in the queue.
        var received = new System.Collections.Concurrent.ConcurrentDictionary<(string Device, DateTimeOffset Time), int>();
        using var subscriber = new MQTTnet.MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            using var json = System.Text.Json.JsonDocument.Parse(e.ApplicationMessage.Payload);
            var key = (json.RootElement.GetProperty("device").GetString()!, json.RootElement.GetProperty("timestamp").GetDateTimeOffset());
            received.AddOrUpdate(key, 1, (_, n) => n + 1);
            return Task.CompletedTask;
        };
        async Task ListenAsync()
        {
            await subscriber.ConnectAsync(new MQTTnet.MqttClientOptionsBuilder().WithTcpServer(mosquitto.Host, mosquitto.PlainPort)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311).WithClientId($"test-{Guid.NewGuid():N}").WithCleanSession().Build());
            await subscriber.SubscribeAsync("iot/#", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await ListenAsync();
        var brokerStoppedAt = DateTimeOffset.MaxValue;

        // Run with the broker up, take it away, let readings queue, then stop the app the way `docker stop` does.
        await using (var app = AppProcess.Start(AppProcess.Environment(withMqtt)))
        {
            await CoreTestHost.WaitUntilAsync(async () => (await FaultFleet.ReadAsync(reader)).All(d => d.Times.Count >= 3), _timeout, "readings from every device");
            await mosquitto.StopAsync();
            brokerStoppedAt = DateTimeOffset.UtcNow;
            await Task.Delay(TimeSpan.FromSeconds(2));
            await app.SignalAsync(AppProcess.SigTerm);
            Assert.True(await app.WaitForExitAsync(_timeout) == 0, app.Output);
        }

        var stopped = await FaultFleet.ReadAsync(reader);
        var externalIds = reader.Services.GetRequiredService<IotDashboard.Core.Simulation.DeviceManager>();
        await externalIds.LoadAsync(CancellationToken.None);
        // What was generated after the broker went away can only have reached it through the disk queue. (What the
        // broker acknowledged just before it was killed may never have reached the subscriber: not ours to count.)
        var expected = stopped.SelectMany(d => d.Times.Where(t => t >= brokerStoppedAt).Select(t => (Device: externalIds.Get(d.Id)!.ExternalId, Time: t))).ToHashSet();
        Assert.True(expected.Count >= 20, $"only {expected.Count} readings were generated while the broker was away");

        // Broker back, the subscriber listening again, the app started again: the queue drains.
        await mosquitto.StartAsync();
        await ListenAsync();
        await using (var app = AppProcess.Start(AppProcess.Environment(withMqtt)))
        {
            try
            {
                await CoreTestHost.WaitUntilAsync(() => Task.FromResult(expected.All(received.ContainsKey)), _timeout, "the readings stored before the stop to arrive over MQTT");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message} {expected.Count(received.ContainsKey)} of {expected.Count} arrived, {received.Count} messages in all.\n{app.Output}", ex);
            }

            await app.SignalAsync(AppProcess.SigTerm);
            await app.WaitForExitAsync(_timeout);
        }

        var duplicates = expected.Sum(k => received[k] - 1);
        output.WriteLine($"generated while the broker was away and before the stop: {expected.Count}, all arrived after the restart; repeated (at-least-once) {duplicates}");
        Assert.True(duplicates <= expected.Count / 10, $"{duplicates} repeats: QoS 1 may repeat what was in flight, not the whole queue");
    }
}

/// <summary>The fault tests' own PostgreSQL server: the outage test stops it, which no other collection must feel.</summary>
[CollectionDefinition("postgres-faults")]
public sealed class PostgresFaultsCollection : ICollectionFixture<PostgresServerFixture>;
