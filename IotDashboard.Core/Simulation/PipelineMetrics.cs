using System.Collections.Concurrent;
using System.Diagnostics;

namespace IotDashboard.Core.Simulation;

/// <summary>Live figures of the pipeline for the UI and the benchmark. Thread-safe and cheap to update.</summary>
public sealed class PipelineMetrics(TimeProvider timeProvider)
{
    private const int LatenessSamples = 8192;

    private readonly double[] _lateness = new double[LatenessSamples];
    private readonly ConcurrentDictionary<string, SinkCounters> _sinks = new(StringComparer.Ordinal);
    private readonly Lock _rateLock = new();
    private long _generated;
    private long _stored;
    private long _latenessWritten;
    private double _maxLatenessMs;
    private RateSample _previous = new(0, 0, 0);
    private RateSample _current = new(0, 0, 0);

    public long Generated => Interlocked.Read(ref _generated);

    public long Stored => Interlocked.Read(ref _stored);

    public void RecordGenerated(TimeSpan lateness)
    {
        Interlocked.Increment(ref _generated);
        var ms = lateness.TotalMilliseconds;
        var slot = Interlocked.Increment(ref _latenessWritten) - 1;
        _lateness[slot % LatenessSamples] = ms;
        if (ms > _maxLatenessMs)
        {
            _maxLatenessMs = ms; // racy by design: a lost update of a maximum only under-reports for one sample
        }
    }

    public void RecordStored(int count) => Interlocked.Add(ref _stored, count);

    public void RecordSinkDelivered(string sink, int count, TimeSpan duration)
    {
        var counters = _sinks.GetOrAdd(sink, _ => new SinkCounters());
        Interlocked.Add(ref counters.Delivered, count);
        counters.LastDuration = duration;
    }

    public void RecordSinkError(string sink, Exception error)
    {
        var counters = _sinks.GetOrAdd(sink, _ => new SinkCounters());
        Interlocked.Increment(ref counters.Errors);
        counters.LastError = error.Message;
        counters.LastErrorAt = timeProvider.GetUtcNow();
    }

    public void ClearSinkError(string sink)
    {
        if (_sinks.TryGetValue(sink, out var counters))
        {
            counters.LastError = null;
        }
    }

    /// <summary>
    /// A consistent view: rates are over the time since the sample before the previous call at least one
    /// second ago, so several viewers polling at once see the same smooth figure.
    /// </summary>
    public PipelineSnapshot Snapshot(int queueDepth, int queueCapacity)
    {
        var now = Stopwatch.GetTimestamp();
        RateSample baseline;
        lock (_rateLock)
        {
            if (Stopwatch.GetElapsedTime(_current.Timestamp, now) >= TimeSpan.FromSeconds(1))
            {
                _previous = _current;
                _current = new RateSample(now, Generated, Stored);
            }

            baseline = _previous.Timestamp == 0 ? _current : _previous;
        }

        var seconds = Math.Max(Stopwatch.GetElapsedTime(baseline.Timestamp, now).TotalSeconds, 1e-3);
        var generatedRate = baseline.Timestamp == 0 ? 0 : (Generated - baseline.Generated) / seconds;
        var storedRate = baseline.Timestamp == 0 ? 0 : (Stored - baseline.Stored) / seconds;
        var (p50, p99) = LatenessPercentiles();

        return new PipelineSnapshot(
            Generated,
            Stored,
            generatedRate,
            storedRate,
            queueDepth,
            queueCapacity,
            p50,
            p99,
            _maxLatenessMs,
            _sinks.Select(kv => new SinkStatus(kv.Key, Interlocked.Read(ref kv.Value.Delivered), Interlocked.Read(ref kv.Value.Errors), kv.Value.LastError, kv.Value.LastErrorAt))
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .ToList());
    }

    private (double P50, double P99) LatenessPercentiles()
    {
        var count = (int)Math.Min(Interlocked.Read(ref _latenessWritten), LatenessSamples);
        if (count == 0)
        {
            return (0, 0);
        }

        var copy = _lateness.AsSpan(0, count).ToArray();
        Array.Sort(copy);
        return (copy[(int)(0.50 * (count - 1))], copy[(int)(0.99 * (count - 1))]);
    }

    private sealed class SinkCounters
    {
        public long Delivered;
        public long Errors;
        public TimeSpan LastDuration;
        public string? LastError;
        public DateTimeOffset? LastErrorAt;
    }

    private readonly record struct RateSample(long Timestamp, long Generated, long Stored);
}

public sealed record SinkStatus(string Name, long Delivered, long Errors, string? LastError, DateTimeOffset? LastErrorAt);

/// <summary>The pipeline's figures at one moment. Lateness is how long after its due time a tick ran, in ms.</summary>
public sealed record PipelineSnapshot(
    long Generated,
    long Stored,
    double GeneratedPerSecond,
    double StoredPerSecond,
    int QueueDepth,
    int QueueCapacity,
    double LatenessP50Ms,
    double LatenessP99Ms,
    double LatenessMaxMs,
    IReadOnlyList<SinkStatus> Sinks);
