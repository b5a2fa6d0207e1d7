using System.Diagnostics;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Simulation;
using IotDashboard.Tests.Core.Devices;

namespace IotDashboard.Tests.Core.Simulation;

public sealed class DeviceSchedulerTests
{
    private static readonly TimeSpan _step = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Start_ThenAdvance_TicksEachDeviceOncePerItsInterval()
    {
        var rig = new SchedulerRig();
        var fast = rig.Add(SolarPvType.TypeId, TimeSpan.FromMilliseconds(100));
        var second = rig.Add(HeatPumpType.TypeId, TimeSpan.FromSeconds(1));
        var slow = rig.Add(MainGridType.TypeId, TimeSpan.FromSeconds(5));

        await rig.AdvanceAsync(TimeSpan.FromSeconds(20), _step);
        var readings = rig.Drain();

        Assert.Equal(200, readings.Count(m => m.DeviceId == fast.Id));
        Assert.Equal(20, readings.Count(m => m.DeviceId == second.Id));
        Assert.Equal(4, readings.Count(m => m.DeviceId == slow.Id));

        // Readings carry their scheduled time: exactly one interval apart.
        var times = readings.Where(m => m.DeviceId == second.Id).Select(m => m.Timestamp).ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(1), pair.Second - pair.First));
        Assert.Equal(224, rig.Metrics.Generated);
    }

    [Fact]
    public async Task Stop_StopsTicking_AndStartResumes()
    {
        var rig = new SchedulerRig();
        var device = rig.Add(SolarPvType.TypeId, TimeSpan.FromSeconds(1));

        await rig.AdvanceAsync(TimeSpan.FromSeconds(5), _step);
        Assert.True(rig.Scheduler.Stop(device.Id));
        await rig.AdvanceAsync(TimeSpan.FromSeconds(10), _step);
        Assert.Equal(5, rig.Drain().Count);
        Assert.False(rig.Scheduler.GetInfo(device.Id)!.Running);

        Assert.True(rig.Scheduler.Start(device.Id));
        await rig.AdvanceAsync(TimeSpan.FromSeconds(3), _step);
        Assert.Equal(3, rig.Drain().Count);
        Assert.Equal(8, rig.Scheduler.GetInfo(device.Id)!.ReadingsCount);
    }

    [Fact]
    public async Task Remove_DropsTheDeviceAndItsPendingTicks()
    {
        var rig = new SchedulerRig();
        var device = rig.Add(SolarPvType.TypeId, TimeSpan.FromSeconds(1));
        await rig.AdvanceAsync(TimeSpan.FromSeconds(2), _step);
        Assert.True(rig.Scheduler.Remove(device.Id));
        await rig.AdvanceAsync(TimeSpan.FromSeconds(5), _step);

        Assert.Equal(2, rig.Drain().Count);
        Assert.Null(rig.Scheduler.GetInfo(device.Id));
        Assert.Null(rig.Scheduler.NextDue);
    }

    [Fact]
    public async Task Configure_WhileRunning_TakesEffectAtTheNextTick_WithoutRestart()
    {
        var rig = new SchedulerRig();
        rig.Scheduler.UpsertSite(1, new SiteSettings("Sunny", 0, 0, 0, 5));
        rig.Time.SetUtcNow(new DateTimeOffset(2026, 9, 23, 11, 0, 0, TimeSpan.Zero)); // equator, equinox, near noon
        var device = rig.Add(SolarPvType.TypeId, TimeSpan.FromSeconds(10), siteId: 1);
        await rig.AdvanceAsync(TimeSpan.FromSeconds(30), _step);
        var before = rig.Drain();
        Assert.Equal(3, before.Count);

        var bigger = DeviceParameters.Create(device.Type, new Dictionary<string, double> { ["peak_power"] = 6000, ["inverter_power"] = 6000 });
        Assert.True(rig.Scheduler.Configure(device.Id, TimeSpan.FromSeconds(1), bigger));
        await rig.AdvanceAsync(TimeSpan.FromSeconds(10), _step);
        var after = rig.Drain();

        Assert.InRange(after.Count, 9, 10); // the shorter interval applies from the next tick
        Assert.Equal(before[^1].Power * 2, after[^1].Power, 0.05 * before[^1].Power * 2);
        Assert.Equal(before.Count + after.Count, rig.Scheduler.GetInfo(device.Id)!.ReadingsCount);
    }

    [Fact]
    public async Task DevicesOfOneSite_TickTogether_MeterAfterProducers()
    {
        var rig = new SchedulerRig();
        rig.Scheduler.UpsertSite(7, new SiteSettings("Home", 52.5, 13.4, 0.3, 9));
        var grid = rig.Add(MainGridType.TypeId, TimeSpan.FromSeconds(2), siteId: 7);
        var pv = rig.Add(SolarPvType.TypeId, TimeSpan.FromSeconds(2), siteId: 7);
        var hp = rig.Add(HeatPumpType.TypeId, TimeSpan.FromSeconds(2), siteId: 7);

        await rig.AdvanceAsync(TimeSpan.FromMinutes(2), _step);
        var readings = rig.Drain();
        var gridType = rig.Types.Get(MainGridType.TypeId);

        foreach (var tick in readings.GroupBy(m => m.Timestamp))
        {
            var byDevice = tick.ToDictionary(m => m.DeviceId);
            Assert.Equal(3, byDevice.Count);
            var meter = byDevice[grid.Id].Values;
            Assert.Equal(byDevice[pv.Id].Power, meter[DeviceModelTests.Index(gridType, "pv_power")], 9);
            Assert.Equal(byDevice[hp.Id].Power, meter[DeviceModelTests.Index(gridType, "consumer_power")], 9);
            Assert.Equal(meter[DeviceModelTests.Index(gridType, "household_power")] + byDevice[hp.Id].Power - byDevice[pv.Id].Power, meter[0], 6);
        }

        Assert.Equal(60, readings.Count / 3);
    }

    [Fact]
    public async Task TenThousandDevices_TickFromOneLoop_WithoutATaskOrTimerPerDevice()
    {
        var rig = new SchedulerRig();
        var threadsBefore = Process.GetCurrentProcess().Threads.Count;
        for (var i = 0; i < 10_000; i++)
        {
            rig.Add(i % 2 == 0 ? SolarPvType.TypeId : HeatPumpType.TypeId, TimeSpan.FromSeconds(1), seed: i);
        }

        await rig.AdvanceAsync(TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(250));
        var readings = rig.Drain();

        Assert.Equal(30_000, readings.Count);
        Assert.Equal(10_000, readings.Select(m => m.DeviceId).Distinct().Count());
        Assert.Equal(0, rig.Time.TimersCreated); // no timer per device
        // Other test collections run in this process at the same time: far below one per device is the claim.
        Assert.True(Process.GetCurrentProcess().Threads.Count - threadsBefore < 100, "no thread per device");

        // Phases spread the fleet over the second instead of one burst.
        var busiestMillisecond = readings.GroupBy(m => m.Timestamp).Max(g => g.Count());
        Assert.True(busiestMillisecond < 100, $"{busiestMillisecond} devices ticked in the same millisecond");
    }

    [Fact]
    public async Task FullPipeline_MakesTheSchedulerWait_AndTheLatenessShows()
    {
        var rig = new SchedulerRig(pipelineCapacity: 1000);
        for (var i = 0; i < 1500; i++)
        {
            rig.Add(SolarPvType.TypeId, TimeSpan.FromSeconds(1), seed: i);
        }

        rig.Time.Advance(TimeSpan.FromSeconds(1));
        var run = rig.Scheduler.RunDueAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.False(run.IsCompleted, "the scheduler waits for room instead of dropping readings");

        var drained = rig.Drain();
        rig.Time.Advance(TimeSpan.FromMilliseconds(800)); // time passes while it waits
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        drained.AddRange(rig.Drain());

        Assert.Equal(1500, drained.Count);
        Assert.Equal(1500, drained.Select(m => m.DeviceId).Distinct().Count());
        var snapshot = rig.Metrics.Snapshot(rig.Pipeline.QueueDepth, rig.Pipeline.Capacity);
        Assert.True(snapshot.LatenessMaxMs >= 700, $"lateness max {snapshot.LatenessMaxMs} ms");
    }

    [Fact]
    public async Task AModelThatThrows_DoesNotStopTheOthers()
    {
        var rig = new SchedulerRig();
        var broken = new DeviceDefinition(99, "bad-1", "Broken", new ThrowingType(), null, TimeSpan.FromSeconds(1), DeviceParameters.Defaults(new ThrowingType()), 1);
        rig.Scheduler.Add(broken, running: true);
        var good = rig.Add(SolarPvType.TypeId, TimeSpan.FromSeconds(1));

        await rig.AdvanceAsync(TimeSpan.FromSeconds(3), _step);

        Assert.Equal(3, rig.Drain().Count(m => m.DeviceId == good.Id));
        Assert.Equal("model exploded", rig.Scheduler.GetInfo(99)!.LastError);
    }

    private sealed class ThrowingType : IDeviceType
    {
        public string Id => "broken";

        public string DisplayName => "Broken";

        public string Icon => "error";

        public string CumulocityType => "sim_Broken";

        public IReadOnlyList<ParameterDefinition> Parameters { get; } = [];

        public IReadOnlyList<SeriesDefinition> Series { get; } = CommonSeries.Create("f", "P", "f", "A");

        public IDeviceModel CreateModel(DeviceModelContext context) => new Model();

        private sealed class Model : IDeviceModel
        {
            public double[] Generate(DateTimeOffset time, TimeSpan elapsed, ICollection<DeviceNotice> notices) => throw new InvalidOperationException("model exploded");

            public void Configure(DeviceParameters parameters)
            {
            }

            public void Restore(IReadOnlyList<double> lastValues)
            {
            }
        }
    }
}
