using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;

namespace IotDashboard.App.Model;

/// <summary>
/// A site's power balance at one moment, in watts: what the PV produces, what the heat pump (and other
/// consumers) and the household draw, and the grid exchange (positive import, negative export).
/// </summary>
public sealed record SiteEnergy(double Pv, double Consumers, double Household, double Grid, DateTimeOffset? Time)
{
    public static SiteEnergy Empty { get; } = new(double.NaN, double.NaN, double.NaN, double.NaN, null);

    public double Consumption => Sum(Household, Consumers);

    /// <summary>The part of the consumption the PV covers right now.</summary>
    public double SelfConsumed => double.IsNaN(Pv) ? double.NaN : Math.Min(Pv, double.IsNaN(Consumption) ? Pv : Consumption);

    public double Import => double.IsNaN(Grid) ? double.NaN : Math.Max(0, Grid);

    public double Export => double.IsNaN(Grid) ? double.NaN : Math.Max(0, -Grid);

    /// <summary>The series a site chart shows, in the order of <see cref="ToValues"/>.</summary>
    public static IReadOnlyList<string> SeriesKeys { get; } = ["pv_power", "consumer_power", "household_power", "power"];

    public double[] ToValues() => [Pv, Consumers, Household, Grid];

    /// <summary>
    /// From the site's grid meter when it has one (the meter measures the whole balance); otherwise the sum of its
    /// PV systems and heat pumps, without household or grid.
    /// </summary>
    public static SiteEnergy From(IReadOnlyList<DeviceView> siteDevices, ILiveFeed feed, DeviceTypeRegistry types)
    {
        var meter = siteDevices.FirstOrDefault(d => d.TypeId == MainGridType.TypeId);
        if (meter is not null && feed.Latest(meter.Id) is { } reading && types.TryGet(meter.TypeId, out var meterType))
        {
            return FromMeter(meterType, reading.Values, reading.Timestamp);
        }

        double pv = double.NaN, consumers = double.NaN;
        DateTimeOffset? time = null;
        foreach (var device in siteDevices)
        {
            if (feed.Latest(device.Id) is not { } latest)
            {
                continue;
            }

            time = time is null || latest.Timestamp > time ? latest.Timestamp : time;
            if (device.TypeId == SolarPvType.TypeId)
            {
                pv = Sum(pv, latest.Power);
            }
            else if (device.TypeId == HeatPumpType.TypeId)
            {
                consumers = Sum(consumers, latest.Power);
            }
        }

        return new SiteEnergy(pv, consumers, double.NaN, double.NaN, time);
    }

    /// <summary>The meter series <see cref="FromMeter"/> reads: a history query needs no others.</summary>
    public static readonly IReadOnlyCollection<string> MeterSeries = ["power", "household_power", "pv_power", "consumer_power"];

    public static SiteEnergy FromMeter(IDeviceType meterType, IReadOnlyList<double> values, DateTimeOffset? time) => new(
        Value(meterType, values, "pv_power"),
        Value(meterType, values, "consumer_power"),
        Value(meterType, values, "household_power"),
        Value(meterType, values, "power"),
        time);

    private static double Value(IDeviceType type, IReadOnlyList<double> values, string key)
    {
        for (var i = 0; i < type.Series.Count && i < values.Count; i++)
        {
            if (type.Series[i].Key == key)
            {
                return values[i];
            }
        }

        return double.NaN;
    }

    private static double Sum(double a, double b) => double.IsNaN(a) ? b : double.IsNaN(b) ? a : a + b;
}
