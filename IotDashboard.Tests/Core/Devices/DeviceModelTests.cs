using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Physics;
using IotDashboard.Core.Devices.Types;

namespace IotDashboard.Tests.Core.Devices;

public sealed class DeviceModelTests
{
    private static readonly DateTimeOffset _midsummer = new(2026, 6, 21, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset _january = new(2026, 1, 15, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset _april = new(2026, 4, 15, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void EveryReading_OfEveryType_HasPowerEqualToVoltageTimesCurrentTimesPowerFactor()
    {
        var rig = new SiteRig();
        var readings = rig.Run(_january, TimeSpan.FromDays(2), TimeSpan.FromMinutes(1))
            .Concat(new SiteRig(cloudiness: 0.6).Run(_midsummer, TimeSpan.FromDays(2), TimeSpan.FromMinutes(1)));

        var checkedReadings = 0;
        foreach (var (time, pv, hp, grid) in readings)
        {
            foreach (var values in new[] { pv, hp, grid })
            {
                AssertPowerConsistent(values[CommonSeries.PowerIndex], values[CommonSeries.VoltageIndex], values[CommonSeries.CurrentIndex], values[CommonSeries.PowerFactorIndex], time);
                checkedReadings++;
            }

            // Each phase of the grid meter on its own, too.
            var phasePowerSum = 0.0;
            for (var phase = 0; phase < 3; phase++)
            {
                phasePowerSum += grid[Index(rig.Grid.Type, $"voltage_l{phase + 1}")] * grid[Index(rig.Grid.Type, $"current_l{phase + 1}")] * grid[CommonSeries.PowerFactorIndex];
            }

            Assert.Equal(grid[CommonSeries.PowerIndex], phasePowerSum, 6);
        }

        Assert.True(checkedReadings > 10_000);
    }

    [Fact]
    public void SolarPv_IsZeroAtNight_AndPeaksNearSolarNoon()
    {
        var rig = new SiteRig(cloudiness: 0);
        var day = rig.Run(_midsummer, TimeSpan.FromDays(1), TimeSpan.FromMinutes(5));
        var longitude = rig.Site.Settings.Longitude;

        var night = day.Where(r => SolarGeometry.SolarHour(r.Time, longitude) is < 2.5 or > 21.5).ToList();
        Assert.NotEmpty(night);
        Assert.All(night, r => Assert.Equal(0, r.Pv[CommonSeries.PowerIndex]));

        var peak = day.MaxBy(r => r.Pv[CommonSeries.PowerIndex]);
        Assert.InRange(SolarGeometry.SolarHour(peak.Time, longitude), 11.0, 13.0);

        // A clear midsummer noon in Berlin gives most of the 3 kWp rating, not a random number.
        Assert.InRange(peak.Pv[CommonSeries.PowerIndex], 2000, 3000);
    }

    [Fact]
    public void SolarPv_DropsUnderClouds()
    {
        static double NoonAverage(double cloudiness)
        {
            var rig = new SiteRig(cloudiness: cloudiness);
            var start = _midsummer.AddHours(10);
            return rig.Run(start, TimeSpan.FromHours(3), TimeSpan.FromMinutes(1)).Average(r => r.Pv[CommonSeries.PowerIndex]);
        }

        var clear = NoonAverage(0);
        var overcast = NoonAverage(1);
        Assert.True(overcast < 0.7 * clear, $"overcast {overcast:0} W should be well below clear {clear:0} W");
        Assert.True(overcast > 0.1 * clear, $"overcast {overcast:0} W still produces diffuse light");
    }

    [Fact]
    public void SolarPv_OutputJumpsBetweenCloudStates_RatherThanJittering()
    {
        var rig = new SiteRig(cloudiness: 0.5);
        var noon = rig.Run(_midsummer.AddHours(9), TimeSpan.FromHours(4), TimeSpan.FromSeconds(30))
            .Select(r => r.Pv[CommonSeries.PowerIndex]).ToList();
        var steps = noon.Zip(noon.Skip(1), (a, b) => Math.Abs(b - a)).ToList();

        Assert.Contains(steps, s => s > 1000); // a cloud edge: kilowatts between samples
        Assert.True(steps.Count(s => s < 100) > steps.Count / 2, "within a cloud state the output is steady");
    }

    [Fact]
    public void HeatPump_CopFallsAsItGetsColder_AndItsPowerRises()
    {
        var previousCop = double.MaxValue;
        foreach (var outdoor in new[] { 12.0, 7, 2, -3, -7, -12 })
        {
            var cop = HeatPumpPhysics.Cop(HeatPumpPhysics.FlowTemperature(outdoor), outdoor);
            Assert.True(cop < previousCop, $"COP at {outdoor} °C should be below the warmer one");
            previousCop = cop;
        }

        // Staffell's reference points from device-models.md.
        Assert.Equal(3.9, HeatPumpPhysics.Cop(35, 7), 1);
        Assert.Equal(2.2, HeatPumpPhysics.Cop(45, -7), 1);

        static (double Power, double Cop, double Outdoor) Day(DateTimeOffset start)
        {
            var rig = new SiteRig();
            var hp = rig.HeatPump.Type;
            var readings = rig.Run(start, TimeSpan.FromDays(3), TimeSpan.FromMinutes(1)).Select(r => r.HeatPump).ToList();
            var running = readings.Where(v => v[Index(hp, "compressor")] == 1 && v[Index(hp, "defrost")] == 0).ToList();
            return (readings.Average(v => v[CommonSeries.PowerIndex]), running.Average(v => v[Index(hp, "cop")]), readings.Average(v => v[Index(hp, "outdoor_temperature")]));
        }

        var winter = Day(_january);
        var spring = Day(_april);
        Assert.True(winter.Outdoor < spring.Outdoor - 5, $"January {winter.Outdoor:0.0} °C, April {spring.Outdoor:0.0} °C");
        Assert.True(winter.Cop < spring.Cop, $"COP January {winter.Cop:0.00} vs April {spring.Cop:0.00}");
        Assert.True(winter.Power > 1.5 * spring.Power, $"power January {winter.Power:0} W vs April {spring.Power:0} W");
    }

    [Fact]
    public void HeatPump_DefrostsInDampCold_WithNoHeatWhilePowerContinues()
    {
        var rig = new SiteRig(latitude: 48, seed: 3);
        var hp = rig.HeatPump.Type;
        var readings = rig.Run(_january, TimeSpan.FromDays(3), TimeSpan.FromMinutes(1)).Select(r => r.HeatPump).ToList();
        var defrosting = readings.Where(v => v[Index(hp, "defrost")] == 1).ToList();

        Assert.NotEmpty(defrosting);
        Assert.All(defrosting, v =>
        {
            Assert.Equal(0, v[Index(hp, "heat_output")]);
            Assert.True(v[CommonSeries.PowerIndex] > 100);
        });
        Assert.Contains(rig.Notices, n => n.Kind == NoticeKind.Event && n.Type == "sim_DefrostStarted");
    }

    [Fact]
    public void GridMeter_IsHouseholdPlusConsumersMinusPv_AtEveryTick()
    {
        var rig = new SiteRig(cloudiness: 0.2);
        var grid = rig.Grid.Type;
        var readings = rig.Run(_april, TimeSpan.FromDays(1), TimeSpan.FromMinutes(1));

        foreach (var (_, pv, hp, meter) in readings)
        {
            Assert.Equal(pv[CommonSeries.PowerIndex], meter[Index(grid, "pv_power")], 9);
            Assert.Equal(hp[CommonSeries.PowerIndex], meter[Index(grid, "consumer_power")], 9);
            var expected = meter[Index(grid, "household_power")] + hp[CommonSeries.PowerIndex] - pv[CommonSeries.PowerIndex];
            Assert.Equal(expected, meter[CommonSeries.PowerIndex], 6);
        }

        // A sunny April day exports at noon and imports at night.
        Assert.Contains(readings, r => r.Grid[CommonSeries.PowerIndex] < 0);
        Assert.Contains(readings, r => r.Grid[CommonSeries.PowerIndex] > 0);
    }

    [Fact]
    public void EnergyCounters_IntegratePower()
    {
        var rig = new SiteRig(cloudiness: 0);
        var step = TimeSpan.FromMinutes(1);
        var readings = rig.Run(_midsummer, TimeSpan.FromDays(1), step);
        var grid = rig.Grid.Type;

        var pvIntegral = readings.Skip(1).Sum(r => r.Pv[CommonSeries.PowerIndex] * step.TotalHours / 1000);
        Assert.Equal(pvIntegral, readings[^1].Pv[CommonSeries.EnergyIndex], 6);
        Assert.InRange(readings[^1].Pv[CommonSeries.EnergyIndex], 10, 25); // a clear midsummer day on 3 kWp

        var imported = readings.Skip(1).Sum(r => Math.Max(0, r.Grid[CommonSeries.PowerIndex]) * step.TotalHours / 1000);
        var exported = readings.Skip(1).Sum(r => Math.Max(0, -r.Grid[CommonSeries.PowerIndex]) * step.TotalHours / 1000);
        Assert.Equal(imported, readings[^1].Grid[CommonSeries.EnergyIndex], 6);
        Assert.Equal(exported, readings[^1].Grid[Index(grid, "export_energy")], 6);
    }

    [Fact]
    public void SameSeedAndTimes_GiveIdenticalSeries_AndAnotherSeedDoesNot()
    {
        var first = new SiteRig(seed: 11).Run(_january.AddHours(8), TimeSpan.FromHours(12), TimeSpan.FromSeconds(20));
        var second = new SiteRig(seed: 11).Run(_january.AddHours(8), TimeSpan.FromHours(12), TimeSpan.FromSeconds(20));
        var other = new SiteRig(seed: 12).Run(_january.AddHours(8), TimeSpan.FromHours(12), TimeSpan.FromSeconds(20));

        for (var i = 0; i < first.Count; i++)
        {
            Assert.Equal(first[i].Pv, second[i].Pv);
            Assert.Equal(first[i].HeatPump, second[i].HeatPump);
            Assert.Equal(first[i].Grid, second[i].Grid);
        }

        Assert.NotEqual(first.Select(r => r.Grid[CommonSeries.PowerIndex]), other.Select(r => r.Grid[CommonSeries.PowerIndex]));
    }

    [Fact]
    public void GridMeter_RaisesAndClearsAVoltageAlarm_OutsideEn50160()
    {
        var rig = new SiteRig();
        var grid = rig.Grid.Type;
        var start = _april;
        rig.Run(start, TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(rig.Notices, n => n.Type == MainGridType.VoltageAlarmType);

        rig.Grid.Model.Configure(DeviceParameters.Create(grid, new Dictionary<string, double> { ["nominal_voltage"] = 262 }));
        rig.Run(start.AddMinutes(30), TimeSpan.FromMinutes(30), TimeSpan.FromSeconds(10));
        var raised = Assert.Single(rig.Notices, n => n.Kind == NoticeKind.AlarmRaised);
        Assert.Equal(AlarmSeverity.Major, raised.Severity);

        rig.Grid.Model.Configure(DeviceParameters.Defaults(grid));
        rig.Run(start.AddMinutes(60), TimeSpan.FromMinutes(60), TimeSpan.FromSeconds(10));
        Assert.Single(rig.Notices, n => n.Kind == NoticeKind.AlarmCleared);
    }

    [Fact]
    public void Parameters_OutsideTheirRange_AreRejectedWithWhatIsAllowed()
    {
        var pv = new SolarPvType();
        var error = Assert.Throws<DeviceValidationException>(() => DeviceParameters.Create(pv, new Dictionary<string, double>
        {
            ["peak_power"] = -5,
            ["power_factor"] = double.NaN,
            ["warp_drive"] = 1,
        }));

        Assert.Contains("Peak power must be between 100 and 1000000 W (got -5).", error.Errors);
        Assert.Contains(error.Errors, e => e.StartsWith("Power factor must be a number between 0.8 and 1", StringComparison.Ordinal));
        Assert.Contains(error.Errors, e => e.Contains("'warp_drive' is not a parameter of Solar PV", StringComparison.Ordinal));
        Assert.Equal(3000, DeviceParameters.Defaults(pv)["peak_power"]);
    }

    [Fact]
    public void DefaultRatings_AreThePrototypesRanges()
    {
        var types = DeviceTypeRegistry.CreateDefault();
        Assert.Equal(3000, Default(types.Get("pv"), "peak_power"));
        Assert.Equal(5000, Default(types.Get("heatpump"), "rated_power"));
        Assert.InRange(Default(types.Get("grid"), "nominal_voltage"), 230, 240);
        Assert.Equal(50, Default(types.Get("grid"), "fuse_current"));
    }

    internal static int Index(IDeviceType type, string key) => type.Series.Select(s => s.Key).ToList().IndexOf(key) is var i and >= 0
        ? i
        : throw new ArgumentException($"{type.Id} has no series {key}");

    private static double Default(IDeviceType type, string key) => type.Parameters.Single(p => p.Key == key).Default;

    private static void AssertPowerConsistent(double power, double voltage, double current, double powerFactor, DateTimeOffset time)
    {
        var product = voltage * current * powerFactor;
        var tolerance = Math.Max(0.01 * Math.Abs(power), 1e-6);
        Assert.True(Math.Abs(power - product) <= tolerance, $"at {time:O}: P={power} but V·I·pf={product}");
    }
}
