using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IotDashboard.Tests.Core.Simulation;

/// <summary>A scheduler on a fake clock whose pipeline the test reads directly.</summary>
internal sealed class SchedulerRig
{
    private int _nextId = 1;

    public SchedulerRig(int pipelineCapacity = 1_000_000)
    {
        Time = new CountingTimeProvider(new DateTimeOffset(2026, 4, 15, 10, 0, 0, TimeSpan.Zero));
        Pipeline = new MeasurementPipeline(Options.Create(new SimulationOptions { PipelineCapacity = pipelineCapacity }));
        Metrics = new PipelineMetrics(Time);
        Scheduler = new DeviceScheduler(Time, Pipeline, Metrics, NullLogger<DeviceScheduler>.Instance);
    }

    public CountingTimeProvider Time { get; }

    public MeasurementPipeline Pipeline { get; }

    public PipelineMetrics Metrics { get; }

    public DeviceScheduler Scheduler { get; }

    public DeviceTypeRegistry Types { get; } = DeviceTypeRegistry.CreateDefault();

    public DeviceDefinition Add(string typeId, TimeSpan interval, int? siteId = null, bool running = true, long seed = 1)
    {
        var type = Types.Get(typeId);
        var id = _nextId++;
        var definition = new DeviceDefinition(id, $"{typeId}-{id}", $"{type.DisplayName} {id}", type, siteId, interval, DeviceParameters.Defaults(type), seed);
        Scheduler.Add(definition, running);
        return definition;
    }

    /// <summary>Moves the fake clock forward in <paramref name="step"/>s, running what is due after each.</summary>
    public async Task AdvanceAsync(TimeSpan duration, TimeSpan step)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < duration; elapsed += step)
        {
            Time.Advance(step);
            await Scheduler.RunDueAsync(CancellationToken.None);
        }
    }

    public List<Measurement> Drain()
    {
        var list = new List<Measurement>();
        while (Pipeline.Reader.TryRead(out var measurement))
        {
            list.Add(measurement);
        }

        return list;
    }
}

/// <summary>A fake clock that counts the timers created on it.</summary>
internal sealed class CountingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private int _timers;

    public int TimersCreated => _timers;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        return base.CreateTimer(callback, state, dueTime, period);
    }
}
