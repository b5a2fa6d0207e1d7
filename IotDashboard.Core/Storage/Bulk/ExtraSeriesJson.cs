using System.Buffers;
using System.Text;
using System.Text.Json;
using IotDashboard.Core.Devices;

namespace IotDashboard.Core.Storage.Bulk;

/// <summary>Writes and reads the type-specific series of a reading as a JSON object keyed by series key.</summary>
internal static class ExtraSeriesJson
{
    public static string? Write(IDeviceType type, double[] values)
    {
        if (values.Length <= CommonSeries.Count)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer);
        return Write(type, values, buffer, writer);
    }

    /// <summary>The same, reusing one buffer and writer for a whole batch (the bulk writers call this per row).</summary>
    public static string? Write(IDeviceType type, double[] values, ArrayBufferWriter<byte> buffer, Utf8JsonWriter writer)
    {
        if (values.Length <= CommonSeries.Count)
        {
            return null;
        }

        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        {
            writer.WriteStartObject();
            for (var i = CommonSeries.Count; i < values.Length && i < type.Series.Count; i++)
            {
                var value = values[i];
                if (double.IsFinite(value))
                {
                    writer.WriteNumber(type.Series[i].Key, Math.Round(value, 4));
                }
                else
                {
                    writer.WriteNull(type.Series[i].Key);
                }
            }

            writer.WriteEndObject();
        }

        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Rebuilds the values array of a stored reading in the type's series order (NaN where absent).</summary>
    public static double[] ReadValues(IDeviceType type, double power, double voltage, double current, double powerFactor, double energy, string? extra)
    {
        var values = new double[type.Series.Count];
        values[CommonSeries.PowerIndex] = power;
        values[CommonSeries.VoltageIndex] = voltage;
        values[CommonSeries.CurrentIndex] = current;
        values[CommonSeries.PowerFactorIndex] = powerFactor;
        values[CommonSeries.EnergyIndex] = energy;
        for (var i = CommonSeries.Count; i < values.Length; i++)
        {
            values[i] = double.NaN;
        }

        if (string.IsNullOrEmpty(extra))
        {
            return values;
        }

        using var document = JsonDocument.Parse(extra);
        for (var i = CommonSeries.Count; i < values.Length; i++)
        {
            if (document.RootElement.TryGetProperty(type.Series[i].Key, out var element) && element.ValueKind == JsonValueKind.Number)
            {
                values[i] = element.GetDouble();
            }
        }

        return values;
    }
}
