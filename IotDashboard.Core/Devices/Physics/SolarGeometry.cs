namespace IotDashboard.Core.Devices.Physics;

/// <summary>Where the sun is and how much it gives under a clear sky.</summary>
public static class SolarGeometry
{
    private const double DegreesToRadians = Math.PI / 180;

    /// <summary>Local solar hour (0–24) from UTC and longitude; the equation of time is ignored (under 17 minutes).</summary>
    public static double SolarHour(DateTimeOffset time, double longitude)
    {
        var utc = time.UtcDateTime;
        var hour = utc.TimeOfDay.TotalHours + longitude / 15.0;
        return ((hour % 24) + 24) % 24;
    }

    /// <summary>Cosine of the solar zenith angle (negative when the sun is below the horizon).</summary>
    public static double CosZenith(DateTimeOffset time, double latitude, double longitude)
    {
        var dayOfYear = time.UtcDateTime.DayOfYear;
        var declination = 23.45 * Math.Sin(2 * Math.PI * (284 + dayOfYear) / 365.0) * DegreesToRadians;
        var hourAngle = 15.0 * (SolarHour(time, longitude) - 12) * DegreesToRadians;
        var phi = latitude * DegreesToRadians;
        return Math.Sin(phi) * Math.Sin(declination) + Math.Cos(phi) * Math.Cos(declination) * Math.Cos(hourAngle);
    }

    /// <summary>Clear-sky global horizontal irradiance (Haurwitz), W/m².</summary>
    public static double ClearSkyIrradiance(DateTimeOffset time, double latitude, double longitude)
    {
        var cosZ = CosZenith(time, latitude, longitude);
        return cosZ <= 0.01 ? 0 : 1098 * cosZ * Math.Exp(-0.059 / cosZ);
    }
}
