using System.Diagnostics;
using IotDashboard.Core.Devices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Core.Simulation;

/// <summary>
/// Runs every device from one loop: a priority queue of due times, driven by the injected
/// <see cref="TimeProvider"/>. No thread, task or timer per device — 10,000 devices cost 10,000 queue entries.
/// Readings go into the <see cref="MeasurementPipeline"/>; when it is full the loop waits, so the lateness of
/// ticks shows that a sink is behind instead of readings disappearing.
/// </summary>
public sealed partial class DeviceScheduler(
    TimeProvider timeProvider,
    MeasurementPipeline pipeline,
    PipelineMetrics metrics,
    ILogger<DeviceScheduler> logger) : BackgroundService
{
    /// <summary>Devices without a site of their own share this one (Berlin, moderately cloudy).</summary>
    public static readonly SiteSettings DefaultSite = new("Default site", 52.52, 13.405, 0.4, 20240601);

    // Due readings are generated under the lock in slices, then written to the channel outside it.
    private const int SliceSize = 4096;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Runtime> _devices = [];
    private readonly Dictionary<int, SiteState> _sites = [];
    private readonly PriorityQueue<Entry, DueKey> _queue = new();
    private readonly List<DeviceNotice> _notices = [];
    private TaskCompletionSource _wake = NewWake();
    private long _skippedTicks;

    public int DeviceCount
    {
        get
        {
            lock (_gate)
            {
                return _devices.Count;
            }
        }
    }

    public long SkippedTicks => Interlocked.Read(ref _skippedTicks);

    /// <summary>Adds or replaces a site; its devices see the new settings at their next tick.</summary>
    public void UpsertSite(int siteId, SiteSettings settings)
    {
        lock (_gate)
        {
            if (_sites.TryGetValue(siteId, out var site))
            {
                site.Update(settings);
            }
            else
            {
                _sites[siteId] = new SiteState(siteId, settings);
            }
        }
    }

    /// <summary>
    /// Adds a device (stopped unless <paramref name="running"/>). <paramref name="lastValues"/> continues its
    /// counters from the last stored reading; <paramref name="readingsCount"/> from the stored count.
    /// </summary>
    public void Add(DeviceDefinition definition, bool running, IReadOnlyList<double>? lastValues = null, long readingsCount = 0)
    {
        lock (_gate)
        {
            var site = SiteFor(definition.SiteId);
            var model = definition.Type.CreateModel(new DeviceModelContext(definition.Id, definition.Seed, definition.Parameters, site));
            if (lastValues is not null && lastValues.Count == definition.Type.Series.Count)
            {
                model.Restore(lastValues);
            }

            if (_devices.Remove(definition.Id, out var previous))
            {
                previous.Generation++;
                previous.Site.Forget(previous.Definition.Id);
            }

            var runtime = new Runtime(definition, model, site) { ReadingsCount = readingsCount };
            _devices[definition.Id] = runtime;
            if (running)
            {
                StartLocked(runtime);
            }
        }

        Wake();
    }

    public bool Start(int deviceId)
    {
        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out var runtime))
            {
                return false;
            }

            if (!runtime.Running)
            {
                StartLocked(runtime);
            }
        }

        Wake();
        return true;
    }

    public bool Stop(int deviceId)
    {
        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out var runtime))
            {
                return false;
            }

            StopLocked(runtime);
            return true;
        }
    }

    public bool Remove(int deviceId)
    {
        lock (_gate)
        {
            if (!_devices.Remove(deviceId, out var runtime))
            {
                return false;
            }

            StopLocked(runtime);
            return true;
        }
    }

    /// <summary>New interval and parameters; the model uses them from its next tick, without a restart.</summary>
    public bool Configure(int deviceId, TimeSpan interval, DeviceParameters parameters, string? name = null)
    {
        lock (_gate)
        {
            if (!_devices.TryGetValue(deviceId, out var runtime))
            {
                return false;
            }

            runtime.Model.Configure(parameters);
            var changedInterval = runtime.Definition.Interval != interval;
            runtime.Definition = runtime.Definition with { Interval = interval, Parameters = parameters, Name = name ?? runtime.Definition.Name };
            if (changedInterval && runtime.Running)
            {
                // Reschedule on the new grid from the last tick, so a shorter interval does not wait out the old one.
                var now = timeProvider.GetUtcNow();
                var due = runtime.LastTick is { } last ? last + interval * ((now - last).Ticks / interval.Ticks + 1) : FirstDue(runtime.Definition);
                runtime.Generation++;
                _queue.Enqueue(new Entry(runtime, runtime.Generation), Key(runtime, due));
            }
        }

        Wake();
        return true;
    }

    public DeviceRuntimeInfo? GetInfo(int deviceId)
    {
        lock (_gate)
        {
            return _devices.TryGetValue(deviceId, out var runtime) ? Info(runtime) : null;
        }
    }

    public IReadOnlyList<DeviceRuntimeInfo> GetAllInfo()
    {
        lock (_gate)
        {
            return _devices.Values.Select(Info).ToList();
        }
    }

    /// <summary>When the earliest running device is due, or null when none runs.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                DropStaleHead();
                return _queue.TryPeek(out _, out var key) ? new DateTimeOffset(key.DueTicks, TimeSpan.Zero) : null;
            }
        }
    }

    /// <summary>
    /// Generates a reading for every device due at the current time and writes them to the pipeline, waiting
    /// when it is full. Returns how many were generated. The background loop calls this; tests call it directly.
    /// </summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        var slice = new List<Measurement>(256);
        while (true)
        {
            slice.Clear();
            GenerateDueSlice(slice);
            foreach (var measurement in slice)
            {
                if (!pipeline.Writer.TryWrite(measurement))
                {
                    await pipeline.Writer.WriteAsync(measurement, cancellationToken);
                }
            }

            total += slice.Count;
            if (slice.Count < SliceSize)
            {
                return total;
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wake = Volatile.Read(ref _wake);
                await RunDueAsync(stoppingToken);
                await WaitForNextDueAsync(wake, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogSchedulerFailed(ex);
        }
        finally
        {
            // Lets the pump drain what was generated and then finish.
            pipeline.Writer.TryComplete();
        }
    }

    private async Task WaitForNextDueAsync(TaskCompletionSource wake, CancellationToken stoppingToken)
    {
        var next = NextDue;
        var delay = next is { } due ? due - timeProvider.GetUtcNow() : Timeout.InfiniteTimeSpan;
        if (next is not null && delay <= TimeSpan.Zero)
        {
            return;
        }

        // Both waits take the linked token and are cancelled together afterwards: a wait on the wake task that
        // is left pending would stay registered on it (and on stoppingToken) until the next Wake(), and the loop
        // runs up to a thousand times a second — a leak, and a stop that took seconds to unregister them all.
        using var cancelWaits = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var sleep = Task.Delay(delay, timeProvider, cancelWaits.Token);
        var finished = await Task.WhenAny(sleep, wake.Task.WaitAsync(cancelWaits.Token));
        await cancelWaits.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        if (finished == sleep)
        {
            await sleep; // observe
        }
    }

    private void GenerateDueSlice(List<Measurement> slice)
    {
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            while (slice.Count < SliceSize && _queue.TryPeek(out var entry, out var key) && key.DueTicks <= now.UtcTicks)
            {
                _queue.Dequeue();
                var runtime = entry.Runtime;
                if (entry.Generation != runtime.Generation || !runtime.Running)
                {
                    continue; // stopped, removed or rescheduled since this entry was queued
                }

                var due = new DateTimeOffset(key.DueTicks, TimeSpan.Zero);
                if (Tick(runtime, due, now) is { } measurement)
                {
                    slice.Add(measurement);
                }

                _queue.Enqueue(entry, Key(runtime, NextDueAfter(runtime, due, now)));
                if ((slice.Count & 1023) == 1023)
                {
                    now = timeProvider.GetUtcNow();
                }
            }
        }
    }

    private Measurement? Tick(Runtime runtime, DateTimeOffset due, DateTimeOffset now)
    {
        var elapsed = runtime.LastTick is { } last ? due - last : TimeSpan.Zero;
        _notices.Clear();
        double[] values;
        try
        {
            values = runtime.Model.Generate(due, elapsed, _notices);
            runtime.LastError = null;
        }
        catch (Exception ex)
        {
            // One broken model must not stop the others; it retries at its next tick.
            runtime.LastError = ex.Message;
            LogModelFailed(runtime.Definition.Id, ex);
            return null;
        }

        runtime.LastTick = due;
        runtime.ReadingsCount++;
        metrics.RecordGenerated(now - due);
        return new Measurement
        {
            DeviceId = runtime.Definition.Id,
            DeviceType = runtime.Definition.Type.Id,
            Timestamp = due,
            Values = values,
            Notices = _notices.Count == 0 ? null : [.. _notices],
            GeneratedTicks = Stopwatch.GetTimestamp(),
        };
    }

    /// <summary>The next tick on the device's grid; ticks already missed (an overloaded machine) are skipped and counted.</summary>
    private DateTimeOffset NextDueAfter(Runtime runtime, DateTimeOffset due, DateTimeOffset now)
    {
        var interval = runtime.Definition.Interval;
        var next = due + interval;
        if (next > now)
        {
            return next;
        }

        var missed = (now - next).Ticks / interval.Ticks + 1;
        Interlocked.Add(ref _skippedTicks, missed);
        return next + interval * missed;
    }

    private void StartLocked(Runtime runtime)
    {
        runtime.Running = true;
        runtime.LastTick = null;
        runtime.Generation++;
        _queue.Enqueue(new Entry(runtime, runtime.Generation), Key(runtime, FirstDue(runtime.Definition)));
    }

    /// <summary>
    /// The first tick after now on the device's grid: multiples of its interval shifted by its phase, the same
    /// instants whenever it is started, and shared by the devices of one site.
    /// </summary>
    private DateTimeOffset FirstDue(DeviceDefinition definition)
    {
        var now = timeProvider.GetUtcNow().UtcTicks;
        var interval = definition.Interval.Ticks;
        var due = now / interval * interval + Phase(definition).Ticks % interval;
        if (due <= now)
        {
            due += interval;
        }

        return new DateTimeOffset(due, TimeSpan.Zero);
    }

    private static void StopLocked(Runtime runtime)
    {
        runtime.Running = false;
        runtime.Generation++;
        runtime.Site.Forget(runtime.Definition.Id);
    }

    private SiteState SiteFor(int? siteId)
    {
        var id = siteId ?? 0;
        if (!_sites.TryGetValue(id, out var site))
        {
            site = new SiteState(id, DefaultSite);
            _sites[id] = site;
        }

        return site;
    }

    private void DropStaleHead()
    {
        while (_queue.TryPeek(out var entry, out _) && (entry.Generation != entry.Runtime.Generation || !entry.Runtime.Running))
        {
            _queue.Dequeue();
        }
    }

    private void Wake() => Interlocked.Exchange(ref _wake, NewWake()).TrySetResult();

    private static TaskCompletionSource NewWake() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// An offset within the interval, so that a thousand devices created together do not tick together. Devices
    /// of one site share it, so its meter reads the balance of the same tick its PV and heat pump just produced.
    /// </summary>
    private static TimeSpan Phase(DeviceDefinition definition)
    {
        var hash = definition.SiteId is { } siteId ? (ulong)siteId * 0x9E3779B97F4A7C15UL : (ulong)definition.Id * 0xBF58476D1CE4E5B9UL + (ulong)definition.Seed;
        var intervalMs = (ulong)Math.Max(1, (long)definition.Interval.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(1 + (long)(hash % intervalMs));
    }

    private static DueKey Key(Runtime runtime, DateTimeOffset due) => new(due.UtcTicks, runtime.Definition.Type.TickOrder, runtime.Definition.Id);

    private static DeviceRuntimeInfo Info(Runtime r) =>
        new(r.Definition.Id, r.Running, r.ReadingsCount, r.LastTick, r.Definition.Interval, r.LastError);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} failed to generate a reading")]
    private partial void LogModelFailed(int deviceId, Exception error);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The device scheduler stopped")]
    private partial void LogSchedulerFailed(Exception error);

    private sealed class Runtime(DeviceDefinition definition, IDeviceModel model, SiteState site)
    {
        public DeviceDefinition Definition { get; set; } = definition;

        public IDeviceModel Model { get; } = model;

        public SiteState Site { get; } = site;

        public bool Running { get; set; }

        public int Generation { get; set; }

        public DateTimeOffset? LastTick { get; set; }

        public long ReadingsCount { get; set; }

        public string? LastError { get; set; }
    }

    private readonly record struct Entry(Runtime Runtime, int Generation);

    /// <summary>Due time first; at the same time producers and consumers before meters; then by id for determinism.</summary>
    private readonly record struct DueKey(long DueTicks, int TickOrder, int DeviceId) : IComparable<DueKey>
    {
        public int CompareTo(DueKey other)
        {
            var byTime = DueTicks.CompareTo(other.DueTicks);
            if (byTime != 0)
            {
                return byTime;
            }

            var byOrder = TickOrder.CompareTo(other.TickOrder);
            return byOrder != 0 ? byOrder : DeviceId.CompareTo(other.DeviceId);
        }
    }
}
