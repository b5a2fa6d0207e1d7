using System.Diagnostics;
using IotDashboard.Core;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Bench;

/// <summary>The figures of one run of the real Core pipeline, over the steady state after the warm-up.</summary>
public sealed class RunResult
{
    public required string Store { get; init; }
    public required int Devices { get; init; }
    public required double IntervalSeconds { get; init; }
    public required double WarmupSeconds { get; init; }
    public required double DurationSeconds { get; init; }
    public double SetupSeconds { get; set; }
    public double ExpectedPerSecond { get; set; }
    public double GeneratedPerSecond { get; set; }
    public double StoredPerSecond { get; set; }
    public long SkippedTicks { get; set; }
    public double LatenessP50Ms { get; set; }
    public double LatenessP99Ms { get; set; }
    public double LatenessMaxMs { get; set; }
    public int QueueDepthMax { get; set; }
    public int QueueCapacity { get; set; }
    public long Generated { get; set; }
    public long Stored { get; set; }
    public long Lost { get; set; }
    public double DrainSeconds { get; set; }
    public double LiveLatencyP50Ms { get; set; }
    public double LiveLatencyP99Ms { get; set; }
    public double LiveLatencyMaxMs { get; set; }
    public long LiveLatencySamples { get; set; }
    public int LiveSubscribers { get; set; }
    public double IdleGcHeapBytesPerDevice { get; set; }
    public double IdleWorkingSetBytesPerDevice { get; set; }
    public double RunningGcHeapBytesPerDevice { get; set; }
    public double RunningWorkingSetBytesPerDevice { get; set; }
    public double WorkingSetMb { get; set; }
    public double GcHeapMb { get; set; }
    public double ProcessCores { get; set; }
    public double MachineBusy { get; set; }
    public double? MqttDeliveredPerSecond { get; set; }
    public bool Sustained { get; set; }
    public string Verdict { get; set; } = "";
}

/// <summary>
/// Hosts the real Core — <c>AddIotDashboardCore</c> on a Generic Host with the system <see cref="TimeProvider"/>:
/// scheduler, bounded channel, pump, live feed, storage sink and bulk writers, device manager, state flusher —
/// creates the devices through <see cref="DeviceManager"/>, and measures. The only addition is a probe sink that
/// timestamps what the pump delivers.
/// </summary>
public static class PipelineRun
{
    private static readonly string[] _typeIds = [SolarPvType.TypeId, HeatPumpType.TypeId, MainGridType.TypeId];

    public static async Task<RunResult> RunAsync(BenchOptions options, BenchEnvironment environment, StoreKind store, int devices, bool quiet, CancellationToken cancellationToken)
    {
        var result = new RunResult
        {
            Store = store.ToString().ToLowerInvariant(),
            Devices = devices,
            IntervalSeconds = options.Interval.TotalSeconds,
            WarmupSeconds = options.Warmup.TotalSeconds,
            DurationSeconds = options.Duration.TotalSeconds,
            ExpectedPerSecond = devices / options.Interval.TotalSeconds,
        };
        var setup = Stopwatch.StartNew();

        var connectionString = store == StoreKind.Postgres
            ? await environment.NewPostgresDatabaseAsync("run", cancellationToken)
            : environment.NewSqliteConnectionString($"run-{result.Store}");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ContentRootPath = environment.WorkDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = store == StoreKind.Postgres ? "Postgres" : "Sqlite",
            ["Database:ConnectionString"] = connectionString,
            ["Simulation:SeedDemo"] = "false",
            ["Simulation:ResumeOnStart"] = "false",
            ["Storage:RetentionDays"] = "0",
        });
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromMinutes(10));
        builder.AddIotDashboardCore();

        var probe = new ProbeSink();
        if (store == StoreKind.None)
        {
            // The same host without the storage sink (device configuration still lives in a SQLite file).
            builder.Services.RemoveAll<IMeasurementSink>();
            builder.Services.AddSingleton<IMeasurementSink>(sp => sp.GetRequiredService<LiveFeed>());
        }

        builder.Services.AddSingleton<IMeasurementSink>(probe);

        using var host = builder.Build();
        var services = host.Services;
        var metrics = services.GetRequiredService<PipelineMetrics>();
        var pipeline = services.GetRequiredService<MeasurementPipeline>();
        var scheduler = services.GetRequiredService<DeviceScheduler>();
        var manager = services.GetRequiredService<DeviceManager>();
        var feed = services.GetRequiredService<ILiveFeed>();
        result.QueueCapacity = pipeline.Capacity;

        await host.StartAsync(cancellationToken);
        var (ws0, heap0) = ResourceSampler.Memory(collect: true);

        // Devices through the same API the UI uses, created stopped: first the idle cost per device.
        var ids = new List<int>(devices);
        var perType = devices / _typeIds.Length;
        for (var t = 0; t < _typeIds.Length; t++)
        {
            var count = t == 0 ? devices - perType * (_typeIds.Length - 1) : perType;
            for (var done = 0; done < count; done += DeviceManager.MaxBulkCount)
            {
                var chunk = Math.Min(DeviceManager.MaxBulkCount, count - done);
                ids.AddRange(await manager.CreateAsync(
                    new CreateDevicesRequest(_typeIds[t], $"Bench {_typeIds[t]} {done / DeviceManager.MaxBulkCount + 1}", options.Interval, Count: chunk, Start: false, Seed: 1000 + t * 1_000_000 + done),
                    cancellationToken));
            }
        }

        var (ws1, heap1) = ResourceSampler.Memory(collect: true);
        result.IdleGcHeapBytesPerDevice = (heap1 - heap0) / (double)devices;
        result.IdleWorkingSetBytesPerDevice = (ws1 - ws0) / (double)devices;

        // Live-feed subscribers on devices spread over the fleet, as dashboard cards would be.
        var watched = Math.Min(options.Subscribers, devices);
        var live = new LiveLatencyProbe(feed);
        var subscriptions = new List<IDisposable>(watched);
        for (var i = 0; i < watched; i++)
        {
            subscriptions.Add(live.Watch(ids[(int)((long)i * devices / watched)]));
        }

        result.LiveSubscribers = watched;
        await manager.StartAsync(ids, cancellationToken);
        result.SetupSeconds = setup.Elapsed.TotalSeconds;

        var label = $"{result.Store} {devices:N0} dev";
        await ProgressAsync(label, "warm-up", options.Warmup, metrics, pipeline, quiet, null, cancellationToken);

        // The steady-state window: every reading whose due time falls inside it counts, whenever it is delivered.
        var windowStart = TimeProvider.System.GetUtcNow();
        var windowEnd = windowStart + options.Duration;
        probe.SetWindow(windowStart, windowEnd);
        live.SetWindow(windowStart, windowEnd);
        var generated0 = metrics.Generated;
        var stored0 = store == StoreKind.None ? LiveDelivered(metrics, pipeline) : metrics.Stored;
        var skipped0 = scheduler.SkippedTicks;
        var resources = new ResourceSampler();
        resources.Start();
        var window = Stopwatch.StartNew();
        var depth = new QueueDepthSampler(pipeline);
        await ProgressAsync(label, "measure", options.Duration, metrics, pipeline, quiet, probe, cancellationToken);
        var seconds = window.Elapsed.TotalSeconds;
        var maxDepth = await depth.StopAsync();
        (result.ProcessCores, result.MachineBusy) = resources.Stop();
        result.GeneratedPerSecond = (metrics.Generated - generated0) / seconds;
        result.StoredPerSecond = ((store == StoreKind.None ? LiveDelivered(metrics, pipeline) : metrics.Stored) - stored0) / seconds;
        result.SkippedTicks = scheduler.SkippedTicks - skipped0;
        result.QueueDepthMax = maxDepth;
        var (ws2, heap2) = ResourceSampler.Memory(collect: false);
        result.WorkingSetMb = ws2 / 1048576.0;
        result.GcHeapMb = heap2 / 1048576.0;
        result.RunningWorkingSetBytesPerDevice = (ws2 - ws0) / (double)devices;
        result.RunningGcHeapBytesPerDevice = (heap2 - heap0) / (double)devices;

        // Stop as the app does: the scheduler completes the channel, the pump drains it into every sink.
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }

        var drain = Stopwatch.StartNew();
        await host.StopAsync(CancellationToken.None);
        result.DrainSeconds = drain.Elapsed.TotalSeconds;

        result.Generated = metrics.Generated;
        if (store == StoreKind.None)
        {
            result.Stored = LiveDelivered(metrics, pipeline);
        }
        else
        {
            // Count what is really in the table, not what the sink says it wrote.
            result.Stored = await services.GetRequiredService<MeasurementQueries>().CountAllAsync(CancellationToken.None);
        }

        result.Lost = result.Generated - result.Stored;
        result.LatenessP50Ms = probe.Lateness.Percentile(0.50);
        result.LatenessP99Ms = probe.Lateness.Percentile(0.99);
        result.LatenessMaxMs = probe.Lateness.MaxMs;
        result.LiveLatencyP50Ms = live.Latency.Percentile(0.50);
        result.LiveLatencyP99Ms = live.Latency.Percentile(0.99);
        result.LiveLatencyMaxMs = live.Latency.MaxMs;
        result.LiveLatencySamples = live.Latency.Count;

        var reasons = new List<string>();
        if (result.SkippedTicks > 0 || result.GeneratedPerSecond < 0.98 * result.ExpectedPerSecond)
        {
            reasons.Add($"generated {result.GeneratedPerSecond:N0}/s of {result.ExpectedPerSecond:N0}/s, {result.SkippedTicks:N0} ticks skipped");
        }

        if (result.StoredPerSecond < 0.97 * result.GeneratedPerSecond)
        {
            reasons.Add($"{(store == StoreKind.None ? "delivered" : "stored")} only {result.StoredPerSecond:N0}/s of {result.GeneratedPerSecond:N0}/s generated (queue growing)");
        }

        if (result.LatenessP99Ms >= 1000)
        {
            reasons.Add($"p99 lateness {result.LatenessP99Ms:N0} ms");
        }

        if (result.Lost != 0)
        {
            reasons.Add($"{result.Lost:N0} lost");
        }

        result.Sustained = reasons.Count == 0;
        result.Verdict = result.Sustained ? "sustained" : "NOT sustained: " + string.Join("; ", reasons);
        if (!quiet)
        {
            Console.Error.WriteLine();
        }

        if (store == StoreKind.Postgres && !options.Keep)
        {
            await environment.DropPostgresDatabaseAsync(connectionString, CancellationToken.None);
        }
        else if (store != StoreKind.Postgres && !options.Keep)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            BenchEnvironment.DeleteSqlite(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource);
        }

        return result;
    }

    private static long LiveDelivered(PipelineMetrics metrics, MeasurementPipeline pipeline) =>
        metrics.Snapshot(pipeline.QueueDepth, pipeline.Capacity).Sinks.FirstOrDefault(s => s.Name == "live")?.Delivered ?? 0;

    private static async Task ProgressAsync(string label, string phase, TimeSpan length, PipelineMetrics metrics, MeasurementPipeline pipeline, bool quiet, ProbeSink? probe, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var lastGenerated = metrics.Generated;
        var lastStored = metrics.Stored;
        var lastAt = started.Elapsed;
        var interactive = !Console.IsErrorRedirected;
        var lines = 0;
        while (started.Elapsed < length)
        {
            var wait = TimeSpan.FromSeconds(1) < length - started.Elapsed ? TimeSpan.FromSeconds(1) : length - started.Elapsed;
            await Task.Delay(wait, cancellationToken);
            if (quiet)
            {
                continue;
            }

            var now = started.Elapsed;
            var dt = Math.Max((now - lastAt).TotalSeconds, 1e-3);
            var generated = metrics.Generated;
            var stored = metrics.Stored;
            var snapshot = metrics.Snapshot(pipeline.QueueDepth, pipeline.Capacity);
            var p99 = probe is { Lateness.Count: > 0 } ? probe.Lateness.Percentile(0.99) : snapshot.LatenessP99Ms;
            var line = $"[{label}] {phase} {now.TotalSeconds,3:0}/{length.TotalSeconds:0}s  generated {(generated - lastGenerated) / dt,9:N0}/s  stored {(stored - lastStored) / dt,9:N0}/s  queue {snapshot.QueueDepth,8:N0}  lateness p99 {p99,7:N0} ms";
            if (interactive)
            {
                Console.Error.Write("\r" + line.PadRight(Math.Max(Console.WindowWidth - 1, 20))[..Math.Min(line.Length, Math.Max(Console.WindowWidth - 1, 20))]);
            }
            else if (lines++ % 5 == 0)
            {
                Console.Error.WriteLine(line);
            }

            lastGenerated = generated;
            lastStored = stored;
            lastAt = now;
        }
    }

    /// <summary>Tick lateness of every reading due inside the window: wall time at generation minus due time.</summary>
    private sealed class ProbeSink : IMeasurementSink
    {
        private readonly DateTimeOffset _wall0 = TimeProvider.System.GetUtcNow();
        private readonly long _ticks0 = Stopwatch.GetTimestamp();
        private long _from = long.MaxValue;
        private long _to = long.MaxValue;

        public string Name => "bench-probe";

        public LatencyHistogram Lateness { get; } = new();

        public void SetWindow(DateTimeOffset from, DateTimeOffset to)
        {
            Interlocked.Exchange(ref _to, to.UtcTicks);
            Interlocked.Exchange(ref _from, from.UtcTicks);
        }

        public ValueTask WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
        {
            var from = Interlocked.Read(ref _from);
            var to = Interlocked.Read(ref _to);
            foreach (var m in batch)
            {
                var due = m.Timestamp.UtcTicks;
                if (due >= from && due < to)
                {
                    var generatedAt = _wall0 + Stopwatch.GetElapsedTime(_ticks0, m.GeneratedTicks);
                    Lateness.Record((generatedAt.UtcTicks - due) / (double)TimeSpan.TicksPerMillisecond);
                }
            }

            return ValueTask.CompletedTask;
        }
    }

    /// <summary>What a dashboard card sees: on each (throttled) notification, the age of every new reading.</summary>
    private sealed class LiveLatencyProbe(ILiveFeed feed)
    {
        private long _from = long.MaxValue;
        private long _to = long.MaxValue;

        public LatencyHistogram Latency { get; } = new();

        public void SetWindow(DateTimeOffset from, DateTimeOffset to)
        {
            Interlocked.Exchange(ref _to, to.UtcTicks);
            Interlocked.Exchange(ref _from, from.UtcTicks);
        }

        public IDisposable Watch(int deviceId)
        {
            DateTimeOffset? seen = null;
            var gate = new Lock();
            return feed.Subscribe(deviceId, () =>
            {
                var now = Stopwatch.GetTimestamp();
                lock (gate)
                {
                    var from = Interlocked.Read(ref _from);
                    var to = Interlocked.Read(ref _to);
                    foreach (var m in feed.Recent(deviceId, seen))
                    {
                        if (m.Timestamp.UtcTicks >= from && m.Timestamp.UtcTicks < to)
                        {
                            Latency.Record(Stopwatch.GetElapsedTime(m.GeneratedTicks, now).TotalMilliseconds);
                        }

                        seen = m.Timestamp;
                    }
                }

                return Task.CompletedTask;
            });
        }
    }

    private sealed class QueueDepthSampler
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<int> _loop;

        public QueueDepthSampler(MeasurementPipeline pipeline) => _loop = Task.Run(async () =>
        {
            var max = 0;
            while (!_stop.IsCancellationRequested)
            {
                max = Math.Max(max, pipeline.QueueDepth);
                try
                {
                    await Task.Delay(10, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }

            return max;
        });

        public async Task<int> StopAsync()
        {
            await _stop.CancelAsync();
            var max = await _loop;
            _stop.Dispose();
            return max;
        }
    }
}
