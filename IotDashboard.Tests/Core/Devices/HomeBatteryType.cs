using IotDashboard.Core.Devices;

namespace IotDashboard.Tests.Core.Devices;

/// <summary>
/// A fourth device type, written the way a user of the registry would add one: this class plus one
/// registration line (<c>services.AddSingleton&lt;IDeviceType, HomeBatteryType&gt;()</c>). It charges from the
/// site's PV surplus and discharges into its evening load.
/// </summary>
public sealed class HomeBatteryType : IDeviceType
{
    public string Id => "battery";

    public string DisplayName => "Home battery";

    public string Icon => "battery_charging_full";

    public string CumulocityType => "sim_Battery";

    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new("capacity", "Capacity", "kWh", 10, 1, 1000),
        new("max_power", "Maximum power", "W", 5000, 100, 100_000),
    ];

    public IReadOnlyList<SeriesDefinition> Series { get; } =
    [
        .. CommonSeries.Create("c8y_SinglePhaseElectricityMeasurement", "P+", "c8y_SinglePhaseElectricityMeasurement", "A+"),
        new("state_of_charge", "State of charge", "%", "sim_Battery", "SoC"),
    ];

    public IDeviceModel CreateModel(DeviceModelContext context) => new Model(context);

    private sealed class Model(DeviceModelContext context) : IDeviceModel
    {
        private DeviceParameters _parameters = context.Parameters;
        private double _stateOfCharge = 0.5;
        private double _energyKwh;

        public double[] Generate(DateTimeOffset time, TimeSpan elapsed, ICollection<DeviceNotice> notices)
        {
            var site = context.Site;
            var surplus = site.Production - site.Consumption;
            var capacityWh = _parameters["capacity"] * 1000;
            var maxPower = _parameters["max_power"];

            // Positive = charging (a consumer for the meter), negative = discharging.
            var power = Math.Clamp(surplus > 0 ? surplus : -400, -maxPower, maxPower);
            if ((power > 0 && _stateOfCharge >= 1) || (power < 0 && _stateOfCharge <= 0.05))
            {
                power = 0;
            }

            _stateOfCharge = Math.Clamp(_stateOfCharge + power * elapsed.TotalHours / capacityWh, 0, 1);
            _energyKwh += Math.Abs(power) * elapsed.TotalHours / 1000;
            site.ReportConsumption(context.DeviceId, power);
            var voltage = site.GridVoltage(time, 230);
            return [power, voltage, power / voltage, 1.0, _energyKwh, _stateOfCharge * 100];
        }

        public void Configure(DeviceParameters parameters) => _parameters = parameters;

        public void Restore(IReadOnlyList<double> lastValues) => (_energyKwh, _stateOfCharge) = (lastValues[CommonSeries.EnergyIndex], lastValues[5] / 100);
    }
}
