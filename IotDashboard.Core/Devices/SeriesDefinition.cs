namespace IotDashboard.Core.Devices;

/// <summary>
/// One measured quantity of a device type, with where it goes in Cumulocity: the platform draws one chart per
/// fragment, so series that belong on one chart share a fragment.
/// </summary>
public sealed record SeriesDefinition(string Key, string Label, string Unit, string CumulocityFragment, string CumulocitySeries);

/// <summary>The series every device type starts with, in this order, so storage can keep them in columns.</summary>
public static class CommonSeries
{
    public const int PowerIndex = 0;
    public const int VoltageIndex = 1;
    public const int CurrentIndex = 2;
    public const int PowerFactorIndex = 3;
    public const int EnergyIndex = 4;
    public const int Count = 5;

    /// <summary>Our own fragment for quantities Cumulocity has no standard series for.</summary>
    public const string ElectricalFragment = "sim_Electrical";

    /// <summary>
    /// The common series with the given Cumulocity mapping for power and energy, which depends on the direction
    /// of the flow (a PV inverter exports, a heat pump imports).
    /// </summary>
    public static IReadOnlyList<SeriesDefinition> Create(string powerFragment, string powerSeries, string energyFragment, string energySeries) =>
    [
        new("power", "Power", "W", powerFragment, powerSeries),
        new("voltage", "Voltage", "V", ElectricalFragment, "U"),
        new("current", "Current", "A", ElectricalFragment, "I"),
        new("power_factor", "Power factor", "", ElectricalFragment, "pf"),
        new("energy", "Energy", "kWh", energyFragment, energySeries),
    ];
}
