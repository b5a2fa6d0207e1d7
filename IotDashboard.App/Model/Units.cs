using System.Globalization;

namespace IotDashboard.App.Model;

/// <summary>How values are written on screen: watts grow into kW and MW, and a missing value is a dash.</summary>
public static class Units
{
    public static string Format(double value, string unit)
    {
        if (double.IsNaN(value))
        {
            return "–";
        }

        return unit switch
        {
            "W" => Power(value),
            "kWh" => $"{value.ToString("N2", CultureInfo.InvariantCulture)} kWh",
            "" => value.ToString("0.###", CultureInfo.InvariantCulture),
            _ => $"{value.ToString(Math.Abs(value) >= 100 ? "N1" : "N2", CultureInfo.InvariantCulture)} {unit}",
        };
    }

    public static string Power(double watts)
    {
        if (double.IsNaN(watts))
        {
            return "–";
        }

        var abs = Math.Abs(watts);
        return abs switch
        {
            >= 1_000_000 => $"{(watts / 1_000_000).ToString("N2", CultureInfo.InvariantCulture)} MW",
            >= 1_000 => $"{(watts / 1_000).ToString("N2", CultureInfo.InvariantCulture)} kW",
            _ => $"{watts.ToString("N0", CultureInfo.InvariantCulture)} W",
        };
    }

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Interval(TimeSpan interval) => interval.TotalMilliseconds switch
    {
        < 1000 => $"{interval.TotalMilliseconds:0} ms",
        < 60_000 => $"{interval.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s",
        _ => $"{interval.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture)} min",
    };
}
