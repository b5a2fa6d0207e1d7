using System.Globalization;

namespace IotDashboard.Core.Devices;

/// <summary>A numeric setting of a device type, with its default and the range it accepts.</summary>
public sealed record ParameterDefinition(string Key, string Label, string Unit, double Default, double Min, double Max, string Description = "")
{
    /// <summary>Null when <paramref name="value"/> is allowed, otherwise a message that says what is.</summary>
    public string? Validate(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return $"{Label} must be a number between {Format(Min)} and {Format(Max)}{UnitSuffix}.";
        }

        return value < Min || value > Max
            ? $"{Label} must be between {Format(Min)} and {Format(Max)}{UnitSuffix} (got {Format(value)})."
            : null;
    }

    private string UnitSuffix => Unit.Length == 0 ? string.Empty : " " + Unit;

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
