using System.Diagnostics;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace IotDashboard.Tests.Faults;

/// <summary>The real Core writing to a real PostgreSQL server that goes away for 30 s while the fault fleet runs.</summary>
[Collection("postgres-faults")]
public sealed class PostgresOutageTests(PostgresServerFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan _outage = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Outage30s_WriterRetriesWithBackOff_ShowsTheError_AndStoresEveryReadingWhenTheServerReturns()
    {
        var logs = new CollectingLoggerProvider();
        using var host = CoreTestHost.Build(CoreTestHost.Postgres(await postgres.CreateDatabaseAsync()), s => s.AddSingleton<ILoggerProvider>(logs));
        var manager = host.Services.GetRequiredService<DeviceManager>();
        var scheduler = host.Services.GetRequiredService<DeviceScheduler>();
        var metrics = host.Services.GetRequiredService<PipelineMetrics>();
        var pipeline = host.Services.GetRequiredService<MeasurementPipeline>();
        SinkStatus? Storage() => metrics.Snapshot(pipeline.QueueDepth, pipeline.Capacity).Sinks.SingleOrDefault(s => s.Name == "storage");

        await host.StartAsync();
        try
        {
            var ids = await FaultFleet.CreateAsync(manager, start: true);
            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(metrics.Stored >= 100), TimeSpan.FromSeconds(30), "100 readings stored");

            var clock = Stopwatch.StartNew();
            await postgres.StopServerAsync();
            var (generatedAtStop, storedAtStop) = (metrics.Generated, metrics.Stored);

            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(Storage()?.LastError is not null), TimeSpan.FromSeconds(15), "the storage sink to report the outage");
            var errorShownAfter = clock.Elapsed;
            var shownError = Storage()!.LastError;

            var maxDepth = 0;
            while (clock.Elapsed < _outage)
            {
                maxDepth = Math.Max(maxDepth, pipeline.QueueDepth);
                Assert.NotNull(Storage()!.LastError); // stays visible for the whole outage
                await Task.Delay(100);
            }

            var generatedDuring = metrics.Generated - generatedAtStop;
            var storedDuring = metrics.Stored - storedAtStop;
            var attemptsDuring = Storage()!.Errors;
            await postgres.StartServerAsync();
            var restartedAt = clock.Elapsed;
            var generatedAtRestart = metrics.Generated;

            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(Storage()!.LastError is null && metrics.Stored >= generatedAtRestart), TimeSpan.FromSeconds(60), "the backlog to be stored");
            var recoveredAfter = clock.Elapsed - restartedAt;

            await Task.Delay(TimeSpan.FromSeconds(1)); // fresh readings after the backlog
            await manager.StopAsync(ids);
            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(pipeline.QueueDepth == 0 && metrics.Stored == metrics.Generated), TimeSpan.FromSeconds(30), "the pipeline to drain");

            var devices = await FaultFleet.ReadAsync(host);
            var failures = logs.Entries.Where(e => e.Category == typeof(MeasurementStore).FullName && e.Level == LogLevel.Error).ToList();
            output.WriteLine($"PostgreSQL down for {restartedAt.TotalSeconds:0.0} s; the sink showed the error after {errorShownAfter.TotalSeconds:0.0} s: {shownError}");
            output.WriteLine($"during the outage: generated {generatedDuring}, stored {storedDuring}, failed write attempts {attemptsDuring}, max queue depth {maxDepth} of {pipeline.Capacity}");
            output.WriteLine($"backlog of {generatedAtRestart - storedAtStop} stored {recoveredAfter.TotalSeconds:0.0} s after the server returned; write attempts in all {Storage()!.Errors}");
            output.WriteLine($"in all: generated {metrics.Generated}, stored {metrics.Stored}, rows {devices.Sum(d => d.Times.Count)}, ticks the scheduler skipped {scheduler.SkippedTicks}");
            foreach (var d in devices)
            {
                output.WriteLine($"  {d.Name,-32} generated {scheduler.GetInfo(d.Id)!.ReadingsCount,6}  stored {d.Times.Count,6}  skipped {d.SkippedTicks(),3}");
            }

            foreach (var message in failures.Select(f => f.Exception?.GetType().Name + ": " + f.Exception?.Message).Distinct())
            {
                output.WriteLine($"  logged: {message}");
            }

            // Visible: the sink status carried the error the whole time, and the log has it.
            Assert.NotNull(shownError);
            Assert.NotEmpty(failures);
            Assert.Contains(logs.Entries, e => e.Message.StartsWith("Storage is back", StringComparison.Ordinal));

            // Retried with back-off (250 ms doubling to 10 s), not in a tight loop and not given up.
            Assert.InRange(attemptsDuring, 4, 20);

            // Nothing lost: the outage fitted in the buffer, and every generated reading is stored, in order, once.
            Assert.True(generatedDuring > 1000, $"only {generatedDuring} readings were generated during the outage");
            Assert.True(maxDepth < pipeline.Capacity, "the buffer filled up");
            Assert.All(devices, d =>
            {
                Assert.Equal(scheduler.GetInfo(d.Id)!.ReadingsCount, d.Times.Count);
                Assert.Empty(d.Irregular());
            });
            Assert.True(devices.Sum(d => d.SkippedTicks()) <= scheduler.SkippedTicks, "a gap in a series that the scheduler did not skip");
            Assert.Equal(metrics.Generated, devices.Sum(d => (long)d.Times.Count));
        }
        finally
        {
            await postgres.StartServerAsync();
            await host.StopAsync();
        }
    }
}
