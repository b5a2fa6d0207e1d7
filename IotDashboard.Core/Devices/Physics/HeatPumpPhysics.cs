namespace IotDashboard.Core.Devices.Physics;

/// <summary>The air-to-water heat pump relations used by the heat pump model.</summary>
public static class HeatPumpPhysics
{
    /// <summary>Heating curve: flow temperature for an outdoor temperature, °C.</summary>
    public static double FlowTemperature(double outdoor) => Math.Clamp(30 + 0.6 * (20 - outdoor), 30, 55);

    /// <summary>Coefficient of performance for a temperature lift (Staffell et al. 2012, air source), valid 15–60 K.</summary>
    public static double Cop(double flowTemperature, double outdoor)
    {
        var lift = Math.Clamp(flowTemperature - outdoor, 15, 60);
        return 6.81 - 0.121 * lift + 0.000630 * lift * lift;
    }
}
