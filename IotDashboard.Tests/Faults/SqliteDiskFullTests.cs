using System.Diagnostics;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace IotDashboard.Tests.Faults;

/// <summary>The real Core on a SQLite file whose disk (a small tmpfs) fills up while the fault fleet runs.</summary>
public sealed class SqliteDiskFullTests(ITestOutputHelper output)
{
    private static readonly TimeSpan _fault = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task DiskFull_ReportsAClearError_Retries_AndLeavesTheDatabaseIntact()
    {
        await using var disk = await SmallFilesystem.MountAsync(megabytes: 16);
        var path = Path.Combine(disk.Path, "iot.db");
        var logs = new CollectingLoggerProvider();
        var host = CoreTestHost.Build(CoreTestHost.Sqlite(path), s => s.AddSingleton<ILoggerProvider>(logs));
        IReadOnlyList<Row> beforeFault;
        long generated, stored;
        try
        {
            var manager = host.Services.GetRequiredService<DeviceManager>();
            var scheduler = host.Services.GetRequiredService<DeviceScheduler>();
            var metrics = host.Services.GetRequiredService<PipelineMetrics>();
            var pipeline = host.Services.GetRequiredService<MeasurementPipeline>();
            SinkStatus? Storage() => metrics.Snapshot(pipeline.QueueDepth, pipeline.Capacity).Sinks.SingleOrDefault(s => s.Name == "storage");

            await host.StartAsync();
            var ids = await FaultFleet.CreateAsync(manager, start: true);
            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(metrics.Stored >= 100), TimeSpan.FromSeconds(30), "100 readings stored");
            beforeFault = await ReadRowsAsync(path);

            var clock = Stopwatch.StartNew();
            var filled = disk.Fill("filler");
            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(Storage()?.LastError is not null), TimeSpan.FromSeconds(30), "the storage sink to report the full disk");
            var error = Storage()!.LastError!;
            var errorAfter = clock.Elapsed;
            var (generatedAtError, storedAtError) = (metrics.Generated, metrics.Stored);
            await Task.Delay(_fault);
            var generatedDuring = metrics.Generated - generatedAtError;
            var storedDuring = metrics.Stored - storedAtError;
            Assert.NotNull(Storage()!.LastError); // still failing: the disk is still full

            File.Delete(Path.Combine(disk.Path, "filler"));
            var freedAt = clock.Elapsed;
            var generatedAtFree = metrics.Generated;
            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(Storage()!.LastError is null && metrics.Stored >= generatedAtFree), TimeSpan.FromSeconds(30), "the backlog to be stored");
            var recovered = clock.Elapsed - freedAt;

            await manager.StopAsync(ids);
            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(pipeline.QueueDepth == 0 && metrics.Stored == metrics.Generated), TimeSpan.FromSeconds(30), "the pipeline to drain");
            var devices = await FaultFleet.ReadAsync(host);
            (generated, stored) = (metrics.Generated, metrics.Stored);
            var failures = logs.Entries.Where(e => e.Category == typeof(MeasurementStore).FullName && e.Level == LogLevel.Error).ToList();

            output.WriteLine($"filled the disk with {filled / 1024} KiB; the sink reported after {errorAfter.TotalSeconds:0.0} s: {error}");
            output.WriteLine($"during the {_fault.TotalSeconds:0} s fault: generated {generatedDuring}, stored {storedDuring}, failed attempts {Storage()!.Errors}");
            output.WriteLine($"space freed: backlog stored after {recovered.TotalSeconds:0.0} s; in all generated {generated}, stored {stored}, rows {devices.Sum(d => d.Times.Count)}");
            foreach (var message in failures.Select(f => f.Exception?.Message).Distinct())
            {
                output.WriteLine($"  logged: {message}");
            }

            // A clear error: SQLite's own words, in the sink status the UI shows and in the log.
            Assert.Contains("disk is full", error, StringComparison.Ordinal);
            Assert.Contains(failures, f => f.Exception?.Message.Contains("disk is full", StringComparison.Ordinal) == true);
            Assert.True(Storage()!.Errors >= 2, "the writer did not retry");
            Assert.True(generatedDuring > 0 && storedDuring == 0, $"generated {generatedDuring}, stored {storedDuring} while the disk was full");

            // Nothing lost once there is space again.
            Assert.All(devices, d =>
            {
                Assert.Equal(scheduler.GetInfo(d.Id)!.ReadingsCount, d.Times.Count);
                Assert.Empty(d.Irregular());
            });
            Assert.Equal(generated, devices.Sum(d => (long)d.Times.Count));
        }
        finally
        {
            await host.StopAsync();
            host.Dispose();
            SqliteConnection.ClearAllPools();
        }

        // No corruption: the file checks out, and every row committed before the fault is there unchanged.
        Assert.Equal("ok", await IntegrityCheckAsync(path));
        var after = (await ReadRowsAsync(path)).ToDictionary(r => r.Id);
        Assert.Equal(stored, after.Count);
        Assert.All(beforeFault, row => Assert.Equal(row, after.GetValueOrDefault(row.Id)));
        output.WriteLine($"integrity_check ok; all {beforeFault.Count} rows committed before the fault unchanged");
    }

    private sealed record Row(long Id, long DeviceId, long Timestamp, double Power, double Energy, string? Extra);

    private static async Task<IReadOnlyList<Row>> ReadRowsAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, device_id, timestamp, power, energy_kwh, extra FROM device_measurements ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3), reader.GetDouble(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    private static async Task<string?> IntegrityCheckAsync(string path)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string?)await command.ExecuteScalarAsync();
    }
}
