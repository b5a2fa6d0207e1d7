namespace IotDashboard.Core.Devices.Physics;

/// <summary>
/// A household's own consumption (without heat pump): a daily profile shaped like the BDEW H0 standard load
/// profile (night low, morning and evening peaks), noise, and short appliance spikes.
/// </summary>
public static class HouseholdLoad
{
    // Relative load per local hour, mean 1.0 (H0 working-day shape).
    private static readonly double[] _hourlyShape =
    [
        0.62, 0.52, 0.48, 0.46, 0.46, 0.52, 0.78, 1.12, 1.18, 1.08, 1.05, 1.12,
        1.25, 1.18, 1.02, 0.95, 1.00, 1.22, 1.55, 1.72, 1.62, 1.40, 1.10, 0.80,
    ];

    public static double Watts(long seed, DateTimeOffset time, double solarHour, double annualKwh)
    {
        var hour = (int)solarHour % 24;
        var next = (hour + 1) % 24;
        var fraction = solarHour - Math.Floor(solarHour);
        var shape = _hourlyShape[hour] * (1 - fraction) + _hourlyShape[next] * fraction;
        var meanWatts = annualKwh * 1000 / 8760;
        var drift = 1 + 0.12 * DeterministicNoise.Smooth(seed, time, TimeSpan.FromMinutes(7), stream: 11);

        // A kettle, oven or washing machine now and then: one in five 3-minute slots has an appliance on.
        var slot = time.UtcTicks / TimeSpan.FromMinutes(3).Ticks;
        var spike = DeterministicNoise.Uniform(seed, slot, 12) < 0.2 ? 800 + 1400 * DeterministicNoise.Uniform(seed, slot, 13) : 0;
        return Math.Max(60, meanWatts * shape * drift + spike);
    }
}
