using IotDashboard.Core.Devices;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using IotDashboard.Core.Storage.Bulk;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace IotDashboard.Tests.Core.Simulation;

public sealed class PipelineTests
{
    [Fact]
    public async Task Pump_DeliversEveryReadingToEverySink_InBatches_AndDrainsWhenTheChannelCompletes()
    {
        var pipeline = new MeasurementPipeline(Options.Create(new SimulationOptions { PipelineCapacity = 100_000 }));
        var metrics = new PipelineMetrics(TimeProvider.System);
        var first = new RecordingSink("first");
        var second = new RecordingSink("second");
        var pump = new PipelinePump(pipeline, [first, second], metrics, NullLogger<PipelinePump>.Instance);

        for (var i = 0; i < 50_000; i++)
        {
            Assert.True(pipeline.Writer.TryWrite(Reading(i)));
        }

        pipeline.Writer.Complete();
        await pump.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(0, 50_000), first.Received.Select(m => m.DeviceId));
        Assert.Equal(Enumerable.Range(0, 50_000), second.Received.Select(m => m.DeviceId));
        Assert.InRange(first.Batches, 3, 50_000 / 2);
    }

    [Fact]
    public async Task AFailingSink_IsCountedAndShown_WithoutStoppingTheOthers()
    {
        var pipeline = new MeasurementPipeline(Options.Create(new SimulationOptions { PipelineCapacity = 1000 }));
        var metrics = new PipelineMetrics(TimeProvider.System);
        var healthy = new RecordingSink("healthy");
        var pump = new PipelinePump(pipeline, [new FailingSink(), healthy], metrics, NullLogger<PipelinePump>.Instance);

        pipeline.Writer.TryWrite(Reading(1));
        pipeline.Writer.Complete();
        await pump.RunAsync(CancellationToken.None);

        Assert.Single(healthy.Received);
        var status = metrics.Snapshot(0, 1000).Sinks.Single(s => s.Name == "failing");
        Assert.Equal(1, status.Errors);
        Assert.Equal("sink is down", status.LastError);
    }

    [Fact]
    public async Task StorageSink_RetriesAFailedBatch_UntilTheDatabaseAcceptsIt_LosingNothing()
    {
        var writer = new FlakyWriter(failures: 3);
        var metrics = new PipelineMetrics(TimeProvider.System);
        var store = new MeasurementStore(writer, metrics, TimeProvider.System, NullLogger<MeasurementStore>.Instance);
        var batch = Enumerable.Range(0, 100).Select(i => Reading(i)).ToArray();

        await store.WriteAsync(batch, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(4, writer.Attempts);
        Assert.Equal(100, writer.Stored.Count);
        Assert.Equal(100, metrics.Stored);
        var status = metrics.Snapshot(0, 1).Sinks.Single(s => s.Name == "storage");
        Assert.Equal(3, status.Errors);
        Assert.Null(status.LastError); // cleared once storage is back
    }

    [Fact]
    public async Task LiveFeed_CoalescesNotifications_KeepsHistoryWhileWatched_AndReleasesSubscriptions()
    {
        using var feed = new LiveFeed(TimeProvider.System);
        var deviceNotifications = 0;
        var fleetNotifications = 0;
        var device = feed.Subscribe(1, () => { Interlocked.Increment(ref deviceNotifications); return Task.CompletedTask; });
        var fleet = feed.SubscribeFleet(() => { Interlocked.Increment(ref fleetNotifications); return Task.CompletedTask; });

        for (var i = 0; i < 100; i++)
        {
            await feed.WriteAsync([Reading(1, second: i), Reading(2, second: i)], CancellationToken.None);
        }

        feed.Flush();
        feed.Flush(); // nothing new: no second notification
        Assert.Equal(1, deviceNotifications);
        Assert.Equal(1, fleetNotifications);
        Assert.Equal(99, feed.Latest(1)!.Timestamp.Second + 60 * feed.Latest(1)!.Timestamp.Minute);
        Assert.Equal(100, feed.Recent(1).Count);
        Assert.Empty(feed.Recent(2)); // nobody watches device 2: only its latest is kept
        Assert.Equal(10, feed.Recent(1, after: feed.Latest(1)!.Timestamp.AddSeconds(-10)).Count);

        Assert.Equal(2, feed.SubscriberCount);
        device.Dispose();
        device.Dispose(); // safe twice
        fleet.Dispose();
        Assert.Equal(0, feed.SubscriberCount);
        Assert.Empty(feed.Recent(1)); // history freed with the last watcher
    }

    private static Measurement Reading(int deviceId) => Reading(deviceId, 0);

    private static Measurement Reading(int deviceId, int second) => new()
    {
        DeviceId = deviceId,
        DeviceType = "pv",
        Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(second),
        Values = [1, 230, 1 / 230.0, 1, 0, 0, 0, 0, 0],
    };

    private sealed class RecordingSink(string name) : IMeasurementSink
    {
        public List<Measurement> Received { get; } = [];

        public int Batches { get; private set; }

        public string Name => name;

        public ValueTask WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
        {
            lock (Received)
            {
                Received.AddRange(batch);
                Batches++;
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class FailingSink : IMeasurementSink
    {
        public string Name => "failing";

        public ValueTask WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("sink is down");
    }

    private sealed class FlakyWriter(int failures) : IBulkMeasurementWriter
    {
        public int Attempts { get; private set; }

        public List<Measurement> Stored { get; } = [];

        public Task WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
        {
            if (++Attempts <= failures)
            {
                throw new IOException("database is locked");
            }

            Stored.AddRange(batch);
            return Task.CompletedTask;
        }
    }
}
