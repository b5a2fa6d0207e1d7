using IotDashboard.Core.Devices.Physics;

namespace IotDashboard.Core.Devices.Types;

/// <summary>
/// A rooftop PV system with its inverter: sun position, clear-sky irradiance, clouds, cell temperature
/// (PVWatts), inverter efficiency and clipping. Defaults are the prototype's rating (up to 3 kW, 200–250 V, 5–15 A).
/// </summary>
public sealed class SolarPvType : IDeviceType
{
    public const string TypeId = "pv";

    public string Id => TypeId;

    public string DisplayName => "Solar PV";

    public string Icon => "solar_power";

    public string CumulocityType => "sim_SolarPanel";

    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new("peak_power", "Peak power", "W", 3000, 100, 1_000_000, "DC power at 1000 W/m² and 25 °C."),
        new("inverter_power", "Inverter rating", "W", 3000, 100, 1_000_000, "AC output above this is clipped."),
        new("nominal_voltage", "Nominal voltage", "V", 230, 100, 400, "AC voltage the inverter feeds in at."),
        new("power_factor", "Power factor", "", 1.0, 0.8, 1.0),
    ];

    public IReadOnlyList<SeriesDefinition> Series { get; } =
    [
        .. CommonSeries.Create("c8y_SinglePhaseElectricityMeasurement", "P-", "c8y_SinglePhaseElectricityMeasurement", "A-"),
        new("irradiance", "Irradiance", "W/m²", "sim_Solar", "G"),
        new("cell_temperature", "Cell temperature", "°C", "sim_Solar", "Tcell"),
        new("dc_power", "DC power", "W", "sim_Solar", "Pdc"),
        new("clear_sky_index", "Clear-sky index", "", "sim_Solar", "k"),
    ];

    public IDeviceModel CreateModel(DeviceModelContext context) => new Model(context);

    private sealed class Model(DeviceModelContext context) : IDeviceModel
    {
        private DeviceParameters _parameters = context.Parameters;
        private double _energyKwh;

        public double[] Generate(DateTimeOffset time, TimeSpan elapsed, ICollection<DeviceNotice> notices)
        {
            var site = context.Site;
            var weather = site.WeatherAt(time);

            // Each panel sees the site's sky, with a little shading and soiling of its own.
            var irradiance = weather.Irradiance * (0.97 + 0.03 * DeterministicNoise.Uniform(context.Seed, 0));
            var cellTemperature = weather.OutdoorTemperature + (45 - 20) / 800.0 * irradiance;
            var dcPower = Math.Max(0, _parameters["peak_power"] * irradiance / 1000 * (1 - 0.004 * (cellTemperature - 25)));

            var inverterRating = _parameters["inverter_power"];
            var load = dcPower / inverterRating;
            var efficiency = load <= 0 ? 0 : 0.965 * load / (load + 0.0125);
            var acPower = Math.Min(efficiency * dcPower, inverterRating);

            var powerFactor = _parameters["power_factor"];
            var voltage = site.GridVoltage(time, _parameters["nominal_voltage"]) + 1.5 * load;
            var current = acPower / (voltage * powerFactor);
            _energyKwh += acPower * elapsed.TotalHours / 1000;
            site.ReportProduction(context.DeviceId, acPower);

            return [acPower, voltage, current, powerFactor, _energyKwh, irradiance, cellTemperature, dcPower, weather.ClearSkyIndex];
        }

        public void Configure(DeviceParameters parameters) => _parameters = parameters;

        public void Restore(IReadOnlyList<double> lastValues) => _energyKwh = lastValues[CommonSeries.EnergyIndex];
    }
}
