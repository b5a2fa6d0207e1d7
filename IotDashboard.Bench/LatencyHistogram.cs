namespace IotDashboard.Bench;

/// <summary>
/// A lock-free histogram of durations: 10 µs buckets up to 10 ms, 1 ms buckets up to 120 s, one overflow
/// bucket beyond. Percentiles are exact to the bucket width; the maximum is exact.
/// </summary>
public sealed class LatencyHistogram
{
    private const int FineBuckets = 1_000;          // 0–10 ms in 10 µs
    private const int CoarseBuckets = 120_000;      // 10 ms–120 s in 1 ms
    private readonly long[] _counts = new long[FineBuckets + CoarseBuckets + 1];
    private long _count;
    private long _maxMicroseconds;

    public long Count => Interlocked.Read(ref _count);

    public double MaxMs => Interlocked.Read(ref _maxMicroseconds) / 1000.0;

    public void Record(double milliseconds)
    {
        var us = (long)Math.Max(0, milliseconds * 1000);
        var index = us < 10_000 ? (int)(us / 10) : (int)Math.Min(FineBuckets + (us - 10_000) / 1000, _counts.Length - 1);
        Interlocked.Increment(ref _counts[index]);
        Interlocked.Increment(ref _count);
        long seen;
        while (us > (seen = Interlocked.Read(ref _maxMicroseconds)) && Interlocked.CompareExchange(ref _maxMicroseconds, us, seen) != seen)
        {
        }
    }

    public void Reset()
    {
        Array.Clear(_counts);
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _maxMicroseconds, 0);
    }

    /// <summary>The upper edge of the bucket holding the given quantile, in ms (0 when empty).</summary>
    public double Percentile(double quantile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                var upper = i < FineBuckets ? (i + 1) * 0.01 : 10 + (i - FineBuckets + 1);
                return Math.Min(upper, MaxMs);
            }
        }

        return MaxMs;
    }
}
