using IotDashboard.Core.Devices.Physics;

namespace IotDashboard.Core.Devices.Types;

/// <summary>
/// The household's three-phase grid connection meter. It measures the balance of its site:
/// household load + heat pump − PV (negative = export), per phase, with EN 50160 voltage monitoring.
/// Defaults are the prototype's rating (230–240 V, up to 50 A).
/// </summary>
public sealed class MainGridType : IDeviceType
{
    public const string TypeId = "grid";
    public const string VoltageAlarmType = "sim_VoltageOutOfRange";

    // EN 50160: the 10-minute mean of the supply voltage stays within ±10 % of 230 V.
    private const double LowerVoltageLimit = 207;
    private const double UpperVoltageLimit = 253;

    // How the household load spreads over the three phases (real installations are uneven).
    private static readonly double[] _householdShare = [0.45, 0.33, 0.22];

    public string Id => TypeId;

    public string DisplayName => "Main grid";

    public string Icon => "electric_meter";

    public string CumulocityType => "sim_GridMeter";

    /// <summary>A meter reads the balance after the site's producers and consumers have ticked.</summary>
    public int TickOrder => 1;

    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new("annual_consumption", "Household consumption", "kWh/year", 4000, 100, 1_000_000, "Consumption without the heat pump."),
        new("nominal_voltage", "Nominal voltage", "V", 235, 100, 400, "Phase-to-neutral voltage at the connection."),
        new("power_factor", "Power factor", "", 0.97, 0.7, 1.0),
        new("fuse_current", "Main fuse", "A", 50, 6, 1000, "Per-phase current rating of the connection."),
    ];

    public IReadOnlyList<SeriesDefinition> Series { get; } =
    [
        // The balance is signed (negative = export) and Cumulocity's P+/P- are not, so it goes in our fragment;
        // the import/export counters A+/A- are non-negative and fit the standard fragment.
        .. CommonSeries.Create(CommonSeries.ElectricalFragment, "P", "c8y_ThreePhaseElectricityMeasurement", "A+"),
        new("export_energy", "Exported energy", "kWh", "c8y_ThreePhaseElectricityMeasurement", "A-"),
        new("frequency", "Frequency", "Hz", CommonSeries.ElectricalFragment, "f"),
        new("reactive_power", "Reactive power", "var", CommonSeries.ElectricalFragment, "Q"), // signed, in var: not the standard Qi+ (kVAr)
        new("voltage_l1", "Voltage L1", "V", "sim_PhaseVoltage", "U1"),
        new("voltage_l2", "Voltage L2", "V", "sim_PhaseVoltage", "U2"),
        new("voltage_l3", "Voltage L3", "V", "sim_PhaseVoltage", "U3"),
        new("current_l1", "Current L1", "A", "sim_PhaseCurrent", "I1"),
        new("current_l2", "Current L2", "A", "sim_PhaseCurrent", "I2"),
        new("current_l3", "Current L3", "A", "sim_PhaseCurrent", "I3"),
        new("household_power", "Household load", "W", "sim_EnergyBalance", "household"),
        new("pv_power", "PV production", "W", "sim_EnergyBalance", "pv"),
        new("consumer_power", "Heat pump and other consumers", "W", "sim_EnergyBalance", "consumers"),
    ];

    public IDeviceModel CreateModel(DeviceModelContext context) => new Model(context);

    private sealed class Model(DeviceModelContext context) : IDeviceModel
    {
        private DeviceParameters _parameters = context.Parameters;
        private double _importKwh;
        private double _exportKwh;
        private double _meanVoltage = double.NaN; // ten-minute exponential mean for EN 50160
        private bool _voltageAlarm;

        public double[] Generate(DateTimeOffset time, TimeSpan elapsed, ICollection<DeviceNotice> notices)
        {
            var site = context.Site;
            var weather = site.WeatherAt(time);
            var household = HouseholdLoad.Watts(context.Seed, time, weather.SolarHour, _parameters["annual_consumption"]);
            var production = site.Production;
            var consumers = site.Consumption;
            var nominal = _parameters["nominal_voltage"];
            var powerFactor = _parameters["power_factor"];

            // Three-phase consumers and PV inverters spread evenly, the household does not.
            Span<double> phasePower = stackalloc double[3];
            Span<double> phaseVoltage = stackalloc double[3];
            Span<double> phaseCurrent = stackalloc double[3];
            double power = 0, voltageSum = 0;
            for (var phase = 0; phase < 3; phase++)
            {
                phasePower[phase] = household * _householdShare[phase] + (consumers - production) / 3;
                phaseVoltage[phase] = site.GridVoltage(time, nominal, phase);
                phaseCurrent[phase] = phasePower[phase] / (phaseVoltage[phase] * powerFactor);
                power += phasePower[phase];
                voltageSum += phaseVoltage[phase];
            }

            // Headline voltage is the phase mean; headline current the equivalent total at that voltage (about the
            // sum of the phase currents), so that P = U·I·pf holds for the meter as it does for each phase.
            var voltage = voltageSum / 3;
            var current = power / (voltage * powerFactor);
            site.GridBalance = power;
            if (power >= 0)
            {
                _importKwh += power * elapsed.TotalHours / 1000;
            }
            else
            {
                _exportKwh += -power * elapsed.TotalHours / 1000;
            }

            MonitorVoltage(voltage, elapsed, notices);
            var reactive = power * Math.Tan(Math.Acos(powerFactor));

            return
            [
                power, voltage, current, powerFactor, _importKwh,
                _exportKwh, site.GridFrequency(time), reactive,
                phaseVoltage[0], phaseVoltage[1], phaseVoltage[2],
                phaseCurrent[0], phaseCurrent[1], phaseCurrent[2],
                household, production, consumers,
            ];
        }

        public void Configure(DeviceParameters parameters) => _parameters = parameters;

        public void Restore(IReadOnlyList<double> lastValues)
        {
            _importKwh = lastValues[CommonSeries.EnergyIndex];
            _exportKwh = lastValues[CommonSeries.Count];
        }

        private void MonitorVoltage(double voltage, TimeSpan elapsed, ICollection<DeviceNotice> notices)
        {
            var alpha = Math.Clamp(elapsed.TotalSeconds / 600, 0, 1);
            _meanVoltage = double.IsNaN(_meanVoltage) ? voltage : _meanVoltage + alpha * (voltage - _meanVoltage);
            var outside = _meanVoltage is < LowerVoltageLimit or > UpperVoltageLimit;
            if (outside && !_voltageAlarm)
            {
                notices.Add(DeviceNotice.Raise(VoltageAlarmType, $"Grid voltage {_meanVoltage:0.0} V outside 207–253 V (EN 50160).", AlarmSeverity.Major));
            }
            else if (!outside && _voltageAlarm)
            {
                notices.Add(DeviceNotice.Clear(VoltageAlarmType));
            }

            _voltageAlarm = outside;
        }
    }
}
