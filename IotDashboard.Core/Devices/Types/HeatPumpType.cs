using IotDashboard.Core.Devices.Physics;

namespace IotDashboard.Core.Devices.Types;

/// <summary>
/// An air-to-water heat pump heating a house: heat demand from the outdoor temperature, a heating curve, COP from
/// the temperature lift, modulation down to 30 % and on/off cycling with minimum run and pause times below
/// that, and defrost cycles in damp cold weather. Defaults are the prototype's rating (up to 5 kW, 220–240 V).
/// </summary>
public sealed class HeatPumpType : IDeviceType
{
    public const string TypeId = "heatpump";

    private static readonly TimeSpan _minimumRunOrPause = TimeSpan.FromMinutes(5);
    private const double StandbyWatts = 15;
    private const double MinimumModulation = 0.3;

    public string Id => TypeId;

    public string DisplayName => "Heat pump";

    public string Icon => "heat_pump";

    public string CumulocityType => "sim_HeatPump";

    public IReadOnlyList<ParameterDefinition> Parameters { get; } =
    [
        new("rated_power", "Rated electrical power", "W", 5000, 300, 100_000, "Most the compressor draws."),
        new("heat_loss", "House heat loss (UA)", "W/K", 200, 20, 5000, "Heat the house loses per kelvin of difference."),
        new("setpoint", "Indoor set point", "°C", 21, 10, 28),
        new("nominal_voltage", "Nominal voltage", "V", 230, 100, 400),
        new("power_factor", "Power factor", "", 0.95, 0.7, 1.0),
    ];

    public IReadOnlyList<SeriesDefinition> Series { get; } =
    [
        .. CommonSeries.Create("c8y_SinglePhaseElectricityMeasurement", "P+", "c8y_SinglePhaseElectricityMeasurement", "A+"),
        new("heat_output", "Heat output", "W", "sim_HeatPump", "Q"),
        new("cop", "COP", "", "sim_HeatPump", "COP"),
        new("flow_temperature", "Flow temperature", "°C", "sim_HeatPumpTemperature", "Tflow"),
        new("return_temperature", "Return temperature", "°C", "sim_HeatPumpTemperature", "Treturn"),
        new("outdoor_temperature", "Outdoor temperature", "°C", "sim_HeatPumpTemperature", "Toutdoor"),
        new("compressor", "Compressor on", "", "sim_HeatPumpState", "compressor"),
        new("defrost", "Defrosting", "", "sim_HeatPumpState", "defrost"),
    ];

    public IDeviceModel CreateModel(DeviceModelContext context) => new Model(context);

    private sealed class Model(DeviceModelContext context) : IDeviceModel
    {
        private DeviceParameters _parameters = context.Parameters;
        private double _energyKwh;
        private bool _compressorOn;
        private DateTimeOffset _switchedAt = DateTimeOffset.MinValue;
        private double _bufferWh;                 // heat stored in the water circuit while cycling
        private TimeSpan _runSinceDefrost;
        private int _defrostCount;
        private DateTimeOffset _defrostUntil = DateTimeOffset.MinValue;

        public double[] Generate(DateTimeOffset time, TimeSpan elapsed, ICollection<DeviceNotice> notices)
        {
            var site = context.Site;
            var outdoor = site.WeatherAt(time).OutdoorTemperature;
            var hours = Math.Min(elapsed.TotalHours, 0.25); // a long pause is not one long integration step
            var rated = _parameters["rated_power"];
            var minimumPower = MinimumModulation * rated;

            var demand = outdoor < 16 ? Math.Max(0, _parameters["heat_loss"] * (_parameters["setpoint"] - outdoor)) : 0;
            var flow = HeatPumpPhysics.FlowTemperature(outdoor);
            var cop = HeatPumpPhysics.Cop(flow, outdoor);
            var needed = demand / cop;
            var sinceSwitch = time - _switchedAt;

            double electrical;
            if (needed >= minimumPower)
            {
                // Enough demand to modulate: run continuously (after the minimum pause).
                SwitchTo(sinceSwitch >= _minimumRunOrPause || _compressorOn, time);
                electrical = _compressorOn ? Math.Min(needed, rated) : 0;
                _bufferWh = 0;
            }
            else
            {
                // Below the lowest modulation the compressor cycles against the water circuit's buffer.
                var capacityWh = minimumPower * cop / 6; // ten minutes at minimum output
                if (_compressorOn)
                {
                    _bufferWh += (minimumPower * cop - demand) * hours;
                    if (_bufferWh >= capacityWh && sinceSwitch >= _minimumRunOrPause && time >= _defrostUntil)
                    {
                        SwitchTo(false, time);
                    }
                }
                else
                {
                    _bufferWh -= demand * hours;
                    if (_bufferWh <= 0 && demand > 0 && sinceSwitch >= _minimumRunOrPause)
                    {
                        SwitchTo(true, time);
                    }
                }

                _bufferWh = Math.Clamp(_bufferWh, 0, capacityWh);
                electrical = _compressorOn ? minimumPower : 0;
            }

            var defrosting = UpdateDefrost(time, elapsed, outdoor, notices);
            var heat = _compressorOn && !defrosting ? electrical * cop : 0;
            if (!_compressorOn)
            {
                electrical = StandbyWatts;
                cop = 0;
            }

            // Small, deterministic ripple of a real compressor.
            electrical *= 1 + 0.01 * DeterministicNoise.Gaussian(context.Seed, time.UtcTicks / TimeSpan.TicksPerSecond, 1);
            var designHeat = rated * HeatPumpPhysics.Cop(flow, outdoor);
            var returnTemperature = flow - 5 * heat / Math.Max(designHeat, 1);

            var powerFactor = _parameters["power_factor"];
            var voltage = site.GridVoltage(time, _parameters["nominal_voltage"]) - 0.6 * electrical / rated;
            var current = electrical / (voltage * powerFactor);
            _energyKwh += electrical * elapsed.TotalHours / 1000;
            site.ReportConsumption(context.DeviceId, electrical);

            return
            [
                electrical, voltage, current, powerFactor, _energyKwh,
                heat, heat > 0 ? heat / electrical : 0, _compressorOn ? flow : flow - 3, returnTemperature, outdoor,
                _compressorOn ? 1 : 0, defrosting ? 1 : 0,
            ];
        }

        public void Configure(DeviceParameters parameters) => _parameters = parameters;

        public void Restore(IReadOnlyList<double> lastValues) => _energyKwh = lastValues[CommonSeries.EnergyIndex];

        private void SwitchTo(bool on, DateTimeOffset time)
        {
            if (on != _compressorOn)
            {
                _compressorOn = on;
                _switchedAt = time;
            }
        }

        /// <summary>Between −7 and +5 °C ice builds up on the evaporator: every 30–90 minutes of running, 5–10 minutes of defrost.</summary>
        private bool UpdateDefrost(DateTimeOffset time, TimeSpan elapsed, double outdoor, ICollection<DeviceNotice> notices)
        {
            if (time < _defrostUntil)
            {
                return true;
            }

            if (!_compressorOn || outdoor is < -7 or > 5)
            {
                return false;
            }

            _runSinceDefrost += elapsed;
            var runLimit = TimeSpan.FromMinutes(30 + 60 * DeterministicNoise.Uniform(context.Seed, _defrostCount, 2));
            if (_runSinceDefrost < runLimit)
            {
                return false;
            }

            var duration = TimeSpan.FromMinutes(5 + 5 * DeterministicNoise.Uniform(context.Seed, _defrostCount, 3));
            _defrostCount++;
            _runSinceDefrost = TimeSpan.Zero;
            _defrostUntil = time + duration;
            notices.Add(DeviceNotice.Event("sim_DefrostStarted", $"Defrost started at {outdoor:0.0} °C outdoors, {duration.TotalMinutes:0} minutes."));
            return true;
        }
    }
}
