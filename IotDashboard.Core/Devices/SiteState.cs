using IotDashboard.Core.Devices.Physics;

namespace IotDashboard.Core.Devices;

/// <summary>Where a site is and how cloudy it tends to be; what users configure.</summary>
public sealed record SiteSettings(string Name, double Latitude, double Longitude, double Cloudiness, long Seed)
{
    public static IReadOnlyList<string> Validate(string name, double latitude, double longitude, double cloudiness)
    {
        var errors = new List<string>();
        if (Validation.NameRules.Error(name, "Site name") is { } nameError)
        {
            errors.Add(nameError);
        }

        if (!(latitude is >= -90 and <= 90))
        {
            errors.Add("Latitude must be between -90 and 90 degrees.");
        }

        if (!(longitude is >= -180 and <= 180))
        {
            errors.Add("Longitude must be between -180 and 180 degrees.");
        }

        if (!(cloudiness is >= 0 and <= 1))
        {
            errors.Add("Cloudiness must be between 0 (always clear) and 1 (always overcast).");
        }

        return errors;
    }
}

/// <summary>The weather at a site at a given time.</summary>
public readonly record struct Weather(double OutdoorTemperature, double ClearSkyIndex, double Irradiance, double SolarHour);

/// <summary>
/// A household: its location and weather drive its PV and heat pump, and its grid meter reads the balance of
/// what the other devices report here. Used only from the scheduler thread.
/// </summary>
public sealed class SiteState(int id, SiteSettings settings)
{
    private readonly Dictionary<int, double> _production = [];
    private readonly Dictionary<int, double> _consumption = [];

    public int Id { get; } = id;

    public SiteSettings Settings { get; private set; } = settings;

    /// <summary>Sum of the latest power of producing devices (PV), W.</summary>
    public double Production { get; private set; }

    /// <summary>Sum of the latest power of consuming devices other than the household (heat pump), W.</summary>
    public double Consumption { get; private set; }

    /// <summary>The latest grid balance (positive = import), W; the voltage rises slightly while exporting.</summary>
    public double GridBalance { get; set; }

    public void Update(SiteSettings settings) => Settings = settings;

    public void ReportProduction(int deviceId, double watts) => Production = Replace(_production, Production, deviceId, watts);

    public void ReportConsumption(int deviceId, double watts) => Consumption = Replace(_consumption, Consumption, deviceId, watts);

    /// <summary>A stopped device contributes nothing to the balance.</summary>
    public void Forget(int deviceId)
    {
        if (_production.Remove(deviceId, out var produced))
        {
            Production -= produced;
        }

        if (_consumption.Remove(deviceId, out var consumed))
        {
            Consumption -= consumed;
        }
    }

    public Weather WeatherAt(DateTimeOffset time)
    {
        var s = Settings;
        var solarHour = SolarGeometry.SolarHour(time, s.Longitude);
        var clearSky = SolarGeometry.ClearSkyIrradiance(time, s.Latitude, s.Longitude);
        var k = ClearSkyIndex(time);
        return new Weather(OutdoorTemperature(time, solarHour), k, clearSky * k, solarHour);
    }

    /// <summary>Grid voltage phase-to-neutral at this site: 230 V nominal, σ ≈ 1.5 V, a rise while exporting.</summary>
    public double GridVoltage(DateTimeOffset time, double nominal, int phase = 0)
    {
        var exportRise = GridBalance < 0 ? Math.Min(6, -GridBalance / 1000.0) : 0;
        var slow = 2.0 * DeterministicNoise.Smooth(Settings.Seed, time, TimeSpan.FromMinutes(5), stream: 20 + phase);
        var fast = 0.8 * DeterministicNoise.Gaussian(Settings.Seed, time.UtcTicks / TimeSpan.TicksPerSecond, 30 + phase);
        return nominal * (1 + (slow + fast + exportRise) / 230.0);
    }

    /// <summary>Mains frequency: 50 Hz with a slow mean-reverting wander (σ ≈ 0.02 Hz).</summary>
    public double GridFrequency(DateTimeOffset time) =>
        50 + 0.02 * DeterministicNoise.Smooth(Settings.Seed, time, TimeSpan.FromSeconds(40), stream: 40);

    private double OutdoorTemperature(DateTimeOffset time, double solarHour)
    {
        var s = Settings;
        var absLatitude = Math.Abs(s.Latitude);
        var annualMean = 30 - 0.4 * absLatitude;
        var seasonalAmplitude = 0.2 * absLatitude;
        var dayOfYear = time.UtcDateTime.DayOfYear;

        // Coldest mid-January in the north, mid-July in the south.
        var season = -Math.Cos(2 * Math.PI * (dayOfYear - 15) / 365.0) * (s.Latitude >= 0 ? 1 : -1);

        // Daily minimum around 05:00, maximum around 15:00 solar time; clouds flatten the day.
        var daily = -Math.Cos(2 * Math.PI * (solarHour - 3) / 24.0) * (4.5 - 2.5 * s.Cloudiness);
        var weatherDrift = 3 * DeterministicNoise.Smooth(s.Seed, time, TimeSpan.FromHours(6), stream: 1);
        return annualMean + seasonalAmplitude * season + daily + weatherDrift;
    }

    /// <summary>
    /// Clear-sky index k: a two-state process (clear k ≈ 0.9–1.0, cloudy k ≈ 0.2–0.6) with five-minute dwell
    /// slots, so output jumps between samples as real PV does instead of jittering.
    /// </summary>
    private double ClearSkyIndex(DateTimeOffset time)
    {
        var s = Settings;
        var slot = time.UtcTicks / TimeSpan.FromMinutes(5).Ticks;
        var cloudy = DeterministicNoise.Uniform(s.Seed, slot, 2) < s.Cloudiness;
        var level = DeterministicNoise.Uniform(s.Seed, slot, 3);
        var flicker = 0.02 * DeterministicNoise.Gaussian(s.Seed, time.UtcTicks / TimeSpan.TicksPerSecond, 4);
        var k = cloudy ? 0.2 + 0.4 * level : 0.9 + 0.1 * level;
        return Math.Clamp(k + flicker, 0.05, 1.05);
    }

    // Incremental, so a site with thousands of devices costs the same per report as one with three.
    private static double Replace(Dictionary<int, double> table, double sum, int deviceId, double watts)
    {
        table.TryGetValue(deviceId, out var previous);
        table[deviceId] = watts;
        return sum - previous + watts;
    }
}
