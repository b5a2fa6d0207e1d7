namespace IotDashboard.Core.Devices.Physics;

/// <summary>
/// Random numbers that are a pure function of (seed, key): a model asked for the same time twice gets the same
/// value, so a device's series depends only on its seed and tick times, not on how often it was asked.
/// </summary>
public static class DeterministicNoise
{
    /// <summary>A uniformly distributed value in [0, 1).</summary>
    public static double Uniform(long seed, long key, int stream = 0) =>
        (Mix(seed, key, stream) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A standard normal value (Box–Muller on two uniforms).</summary>
    public static double Gaussian(long seed, long key, int stream = 0)
    {
        var u1 = Math.Max(Uniform(seed, key, stream * 2 + 1), 1e-12);
        var u2 = Uniform(seed, key, stream * 2 + 2);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>
    /// Smooth noise in about [-1, 1]: Gaussian values at nodes <paramref name="period"/> apart, cosine-interpolated,
    /// for quantities that drift (temperature, frequency) rather than jump.
    /// </summary>
    public static double Smooth(long seed, DateTimeOffset time, TimeSpan period, int stream = 0)
    {
        var position = (double)time.UtcTicks / period.Ticks;
        var node = (long)Math.Floor(position);
        var fraction = position - node;
        var weight = (1 - Math.Cos(Math.PI * fraction)) / 2;
        var a = Gaussian(seed, node, stream);
        var b = Gaussian(seed, node + 1, stream);
        return Math.Clamp((a * (1 - weight) + b * weight) / 2, -1.5, 1.5);
    }

    private static ulong Mix(long seed, long key, int stream)
    {
        // SplitMix64 finaliser over the combined inputs: cheap, well distributed, no state.
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)key * 0xBF58476D1CE4E5B9UL ^ (ulong)stream * 0x94D049BB133111EBUL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
