using System.Text;
using System.Text.Json;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Mqtt;

namespace IotDashboard.Tests.Core.Mqtt;

public sealed class SmartRestTests
{
    private static readonly DateTimeOffset _time = new(2026, 12, 4, 20, 38, 18, 123, TimeSpan.Zero);

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \\\"hi\\\"\"")]
    [InlineData(" leading", "\" leading\"")]
    [InlineData("trailing ", "\"trailing \"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    [InlineData("inner space", "inner space")]
    public void Field_IsQuotedOnlyWhenCumulocityRequiresIt(string value, string expected)
    {
        Assert.Equal("400,t," + expected, SmartRest.Line("400", "t", value));
    }

    [Fact]
    public void Parse_ReadsQuotedFieldsEscapedQuotesAndSeveralLines()
    {
        var lines = SmartRest.Parse("511,pv-1,\"set x \\\"1,2\\\"\"\n510,pv-2\r\n\n513,hp-1,\"a=1\nb=2\"");

        Assert.Equal(3, lines.Count);
        Assert.Equal(["511", "pv-1", "set x \"1,2\""], lines[0]);
        Assert.Equal(["510", "pv-2"], lines[1]);
        Assert.Equal(["513", "hp-1", "a=1\nb=2"], lines[2]);
    }

    [Fact]
    public void Line_RoundTripsThroughParse()
    {
        string[] fields = ["100", "Roof, \"north\" side ", "sim_SolarPanel"];
        Assert.Equal(fields, SmartRest.Parse(SmartRest.Line(fields))[0]);
    }

    [Fact]
    public void StartupLines_AreCreateHardwareIntervalOperationsAndPending()
    {
        var device = new MqttDevice(1, "pv-1a2b3c4d5e6f7", "Roof PV, south", new SolarPvType());

        Assert.Equal(
            [
                "100,\"Roof PV, south\",sim_SolarPanel",
                "110,pv-1a2b3c4d5e6f7,Solar PV simulator,1.0",
                "117,10",
                "114,c8y_Restart,c8y_Command,c8y_Configuration",
                "500",
            ],
            CumulocityEncoder.StartupLines(device, 10, child: false));
        Assert.Equal("101,pv-1a2b3c4d5e6f7,\"Roof PV, south\",sim_SolarPanel", CumulocityEncoder.ChildLine(device));
        Assert.Equal("400,c8y_ConnectionEvent,Device connection was lost.", SmartRest.LastWillPayload);
    }

    [Fact]
    public void SolarPv_Golden201_GroupsSeriesByFragment()
    {
        var measurement = Reading(SolarPvType.TypeId, [2450.5, 231.2, 10.6, 1.0, 12.3456789, 812.25, 41.5, 2555.125, 0.93]);

        var lines = CumulocityEncoder.MeasurementLines(new SolarPvType(), measurement);

        Assert.Equal(
            "201,sim_SolarPanel,2026-12-04T20:38:18.123Z,"
            + "c8y_SinglePhaseElectricityMeasurement,P-,2450.5,W,c8y_SinglePhaseElectricityMeasurement,A-,12.3457,kWh,"
            + "sim_Electrical,U,231.2,V,sim_Electrical,I,10.6,A,sim_Electrical,pf,1,,"
            + "sim_Solar,G,812.25,W/m²,sim_Solar,Tcell,41.5,°C,sim_Solar,Pdc,2555.125,W,sim_Solar,k,0.93,",
            Assert.Single(lines));
    }

    [Fact]
    public void HeatPump_Golden201_AndDefrostEvent()
    {
        var measurement = Reading(HeatPumpType.TypeId, [1500, 229.5, 6.9, 0.95, 100.5, 4200, 2.8, 45, 40, -2.5, 1, 1],
            [DeviceNotice.Event("sim_DefrostStarted", "Defrost started at -2.5 °C outdoors, 7 minutes.")]);

        var lines = CumulocityEncoder.MeasurementLines(new HeatPumpType(), measurement);

        Assert.Equal(
            [
                "201,sim_HeatPump,2026-12-04T20:38:18.123Z,"
                + "c8y_SinglePhaseElectricityMeasurement,P+,1500,W,c8y_SinglePhaseElectricityMeasurement,A+,100.5,kWh,"
                + "sim_Electrical,U,229.5,V,sim_Electrical,I,6.9,A,sim_Electrical,pf,0.95,,"
                + "sim_HeatPump,Q,4200,W,sim_HeatPump,COP,2.8,,"
                + "sim_HeatPumpTemperature,Tflow,45,°C,sim_HeatPumpTemperature,Treturn,40,°C,sim_HeatPumpTemperature,Toutdoor,-2.5,°C,"
                + "sim_HeatPumpState,compressor,1,,sim_HeatPumpState,defrost,1,",
                "400,sim_DefrostStarted,\"Defrost started at -2.5 °C outdoors, 7 minutes.\",2026-12-04T20:38:18.123Z",
            ],
            lines);
    }

    [Fact]
    public void GridMeter_Golden201_WithVoltageAlarmRaisedAndCleared()
    {
        var measurement = Reading(MainGridType.TypeId,
            [-850.5, 254.1, 3.6, 0.97, 1234.5, 567.25, 50.01, -213.4, 254, 254.2, 254.1, 1.2, 1.1, 1.3, 600, 2000, 549.5],
            [DeviceNotice.Raise(MainGridType.VoltageAlarmType, "Grid voltage 254.1 V outside 207–253 V (EN 50160).", AlarmSeverity.Major),
             DeviceNotice.Clear(MainGridType.VoltageAlarmType)]);

        var lines = CumulocityEncoder.MeasurementLines(new MainGridType(), measurement);

        Assert.Equal(
            [
                "201,sim_GridMeter,2026-12-04T20:38:18.123Z,"
                + "sim_Electrical,P,-850.5,W,sim_Electrical,U,254.1,V,sim_Electrical,I,3.6,A,sim_Electrical,pf,0.97,,"
                + "sim_Electrical,f,50.01,Hz,sim_Electrical,Q,-213.4,var,"
                + "c8y_ThreePhaseElectricityMeasurement,A+,1234.5,kWh,c8y_ThreePhaseElectricityMeasurement,A-,567.25,kWh,"
                + "sim_PhaseVoltage,U1,254,V,sim_PhaseVoltage,U2,254.2,V,sim_PhaseVoltage,U3,254.1,V,"
                + "sim_PhaseCurrent,I1,1.2,A,sim_PhaseCurrent,I2,1.1,A,sim_PhaseCurrent,I3,1.3,A,"
                + "sim_EnergyBalance,household,600,W,sim_EnergyBalance,pv,2000,W,sim_EnergyBalance,consumers,549.5,W",
                "302,sim_VoltageOutOfRange,Grid voltage 254.1 V outside 207–253 V (EN 50160).,2026-12-04T20:38:18.123Z",
                "306,sim_VoltageOutOfRange",
            ],
            lines);
    }

    [Fact]
    public void NonFiniteValues_AreLeftOut()
    {
        var measurement = Reading(SolarPvType.TypeId, [double.NaN, 231, 0, 1, 1, double.PositiveInfinity, 20, 0, 1]);

        var line = Assert.Single(CumulocityEncoder.MeasurementLines(new SolarPvType(), measurement));

        Assert.DoesNotContain("P-", line, StringComparison.Ordinal);
        Assert.DoesNotContain(",G,", line, StringComparison.Ordinal);
        Assert.Contains("sim_Electrical,U,231,V", line, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeReading_IsSplitInto201LinesUnderTheLimit_AndPackedIntoMessagesUnderTheLimit()
    {
        var type = new WideType(1500);
        var values = Enumerable.Range(0, type.Series.Count).Select(i => i + 0.5).ToArray();
        var measurement = new Measurement { DeviceId = 1, DeviceType = type.Id, Timestamp = _time, Values = values };

        var lines = CumulocityEncoder.MeasurementLines(type, measurement);
        var messages = SmartRest.Pack(lines);

        Assert.True(lines.Count > 1);
        Assert.All(lines, l => Assert.True(Encoding.UTF8.GetByteCount(l) <= SmartRest.MaxMessageBytes));
        Assert.All(lines, l => Assert.StartsWith("201,sim_Wide,2026-12-04T20:38:18.123Z,", l, StringComparison.Ordinal));
        Assert.All(messages, m => Assert.True(Encoding.UTF8.GetByteCount(m) <= SmartRest.MaxMessageBytes));
        Assert.Equal(lines.Count, messages.Count); // each line is nearly the limit: one per message

        // Every series is there once, grouped by fragment, in order.
        var series = lines.SelectMany(l => SmartRest.Parse(l)[0].Skip(3).Chunk(4)).Select(c => c[1]).ToList();
        Assert.Equal(type.Series.GroupBy(s => s.CumulocityFragment).SelectMany(g => g).Select(s => s.CumulocitySeries), series);
    }

    [Fact]
    public void Pack_JoinsLinesUpToTheLimitInOrder()
    {
        var line = new string('x', 4000);
        var lines = Enumerable.Range(0, 9).Select(i => i + line).ToList();

        var messages = SmartRest.Pack(lines);

        Assert.Equal(3, messages.Count); // 4 lines of ~4001 bytes + 3 separators fit in 16,184
        Assert.All(messages, m => Assert.True(Encoding.UTF8.GetByteCount(m) <= SmartRest.MaxMessageBytes));
        Assert.Equal(lines, messages.SelectMany(m => m.Split('\n')));
    }

    [Fact]
    public void GenericJson_HasTimestampDeviceTypeAndEverySeriesWithUnit()
    {
        var device = new MqttDevice(7, "heatpump-abc", "Heat \"pump\"", new HeatPumpType());
        var measurement = Reading(HeatPumpType.TypeId, [1500, 229.5, 6.9, 0.95, 100.5, 4200, 2.8, 45, 40, -2.5, 1, 0]);

        using var json = JsonDocument.Parse(GenericJsonEncoder.Payload(device, measurement));

        var root = json.RootElement;
        Assert.Equal("2026-12-04T20:38:18.123Z", root.GetProperty("timestamp").GetString());
        Assert.Equal("heatpump-abc", root.GetProperty("device").GetString());
        Assert.Equal("Heat \"pump\"", root.GetProperty("name").GetString());
        Assert.Equal("heatpump", root.GetProperty("type").GetString());
        var values = root.GetProperty("values");
        Assert.Equal(12, values.EnumerateObject().Count());
        Assert.Equal(1500, values.GetProperty("power").GetProperty("value").GetDouble());
        Assert.Equal("W", values.GetProperty("power").GetProperty("unit").GetString());
        Assert.Equal("°C", values.GetProperty("outdoor_temperature").GetProperty("unit").GetString());
        Assert.Equal("iot/heatpump/heatpump-abc/measurements", GenericJsonEncoder.Topic(MqttOptions.DefaultTopicTemplate, device));
    }

    [Fact]
    public void Operations_AreParsedWithSerialAndFragment()
    {
        var operations = CumulocityOperations.ParseOperations("510,pv-1\n511,pv-2,set interval 10\n513,hp-1,\"peak_power=1\ninterval=5\"\n999,x").ToList();

        Assert.Equal(
            [
                new CumulocityOperation("510", "pv-1", "c8y_Restart", ""),
                new CumulocityOperation("511", "pv-2", "c8y_Command", "set interval 10"),
                new CumulocityOperation("513", "hp-1", "c8y_Configuration", "peak_power=1\ninterval=5"),
            ],
            operations);
    }

    internal static Measurement Reading(string typeId, double[] values, IReadOnlyList<DeviceNotice>? notices = null) =>
        new() { DeviceId = 1, DeviceType = typeId, Timestamp = _time, Values = values, Notices = notices };

    private sealed class WideType(int extra) : IDeviceType
    {
        public string Id => "wide";

        public string DisplayName => "Wide";

        public string Icon => "x";

        public string CumulocityType => "sim_Wide";

        public IReadOnlyList<ParameterDefinition> Parameters => [];

        public IReadOnlyList<SeriesDefinition> Series { get; } =
        [
            .. CommonSeries.Create("c8y_SinglePhaseElectricityMeasurement", "P+", "c8y_SinglePhaseElectricityMeasurement", "A+"),
            .. Enumerable.Range(0, extra).Select(i => new SeriesDefinition($"s{i}", $"S{i}", "unit", $"sim_Fragment{i / 100}", $"series{i}")),
        ];

        public IDeviceModel CreateModel(DeviceModelContext context) => throw new NotSupportedException();
    }
}
