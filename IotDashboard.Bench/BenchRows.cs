using System.Buffers;
using System.Text;
using System.Text.Json;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Simulation;

namespace IotDashboard.Bench;

/// <summary>One row of device_measurements, prepared outside any timed loop for the raw baselines.</summary>
public readonly record struct RawRow(int DeviceId, DateTimeOffset Timestamp, double Power, double Voltage, double Current, double PowerFactor, double EnergyKwh, string? Extra);

/// <summary>
/// Readings as the scheduler produces them — the real device models, devices interleaved tick by tick as they
/// arrive from a fleet — so every baseline writes the same rows as the Core path.
/// </summary>
public static class BenchRows
{
    public static Measurement[] Generate(int devices, int rows, DateTimeOffset start, TimeSpan interval)
    {
        var registry = DeviceTypeRegistry.CreateDefault();
        var types = new[] { registry.Get(SolarPvType.TypeId), registry.Get(HeatPumpType.TypeId), registry.Get(MainGridType.TypeId) };
        var site = new SiteState(0, DeviceScheduler.DefaultSite);
        var count = Math.Min(devices, rows);
        var models = new IDeviceModel[count];
        for (var d = 0; d < count; d++)
        {
            var type = types[d % types.Length];
            models[d] = type.CreateModel(new DeviceModelContext(d + 1, 1000 + d, DeviceParameters.Defaults(type), site));
        }

        var result = new Measurement[rows];
        var notices = new List<DeviceNotice>();
        for (var i = 0; i < rows; i++)
        {
            var d = i % count;
            var tick = i / count;
            var time = start + interval * tick;
            notices.Clear();
            result[i] = new Measurement
            {
                DeviceId = d + 1,
                DeviceType = types[d % types.Length].Id,
                Timestamp = time,
                Values = models[d].Generate(time, tick == 0 ? TimeSpan.Zero : interval, notices),
            };
        }

        return result;
    }

    public static RawRow[] ToRaw(IReadOnlyList<Measurement> measurements)
    {
        var registry = DeviceTypeRegistry.CreateDefault();
        var rows = new RawRow[measurements.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var m = measurements[i];
            rows[i] = new RawRow(m.DeviceId, m.Timestamp, m.Power, m.Voltage, m.Current, m.PowerFactor, m.EnergyKwh, ExtraJson(registry.Get(m.DeviceType), m.Values));
        }

        return rows;
    }

    /// <summary>The type-specific series as the JSON object the table stores (same shape as Core's).</summary>
    public static string? ExtraJson(IDeviceType type, double[] values)
    {
        if (values.Length <= CommonSeries.Count)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            for (var i = CommonSeries.Count; i < values.Length && i < type.Series.Count; i++)
            {
                if (double.IsFinite(values[i]))
                {
                    writer.WriteNumber(type.Series[i].Key, Math.Round(values[i], 4));
                }
                else
                {
                    writer.WriteNull(type.Series[i].Key);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
