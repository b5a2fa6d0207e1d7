using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using IotDashboard.Core.Devices;

namespace IotDashboard.Core.Mqtt;

/// <summary>A simulated device as MQTT sees it.</summary>
public sealed record MqttDevice(int Id, string ExternalId, string Name, IDeviceType Type, int? SiteId = null);

/// <summary>One MQTT message waiting to be sent.</summary>
public readonly record struct MqttOutgoing(string Topic, string Payload);

/// <summary>The SmartREST lines a simulated device sends: registration, measurements, alarms and events.</summary>
public static class CumulocityEncoder
{
    public const string StartedEventType = "sim_DeviceStarted";
    public const string StoppedEventType = "sim_DeviceStopped";

    private static readonly ConcurrentDictionary<IDeviceType, int[]> _fragmentOrder = new();

    /// <summary><c>100</c>, <c>110</c>, <c>117</c>, <c>114</c>, <c>500</c>: create (if new), describe, and ask for pending operations.</summary>
    public static IReadOnlyList<string> StartupLines(MqttDevice device, int requiredIntervalMinutes, bool child)
    {
        var lines = new List<string>(5);
        if (!child)
        {
            lines.Add(SmartRest.Line("100", device.Name, device.Type.CumulocityType));
        }

        lines.Add(SmartRest.Line("110", device.ExternalId, device.Type.DisplayName + " simulator", "1.0"));
        lines.Add(SmartRest.Line("117", requiredIntervalMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        lines.Add(SmartRest.Line("114", SmartRest.RestartFragment, SmartRest.CommandFragment, SmartRest.ConfigurationFragment));
        lines.Add("500");
        return lines;
    }

    /// <summary>Gateway mode: <c>101</c> on the gateway's <c>s/us</c> creates the child if it does not exist.</summary>
    public static string ChildLine(MqttDevice device) => SmartRest.Line("101", device.ExternalId, device.Name, device.Type.CumulocityType);

    /// <summary>The gateway itself: a device of our own type.</summary>
    public static IReadOnlyList<string> GatewayStartupLines(string gatewayId, int requiredIntervalMinutes) =>
    [
        SmartRest.Line("100", "IotDashboard gateway " + gatewayId, "sim_Gateway"),
        SmartRest.Line("110", gatewayId, "IotDashboard gateway", "1.0"),
        SmartRest.Line("117", requiredIntervalMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        SmartRest.Line("114", SmartRest.RestartFragment, SmartRest.CommandFragment, SmartRest.ConfigurationFragment),
        "500",
    ];

    /// <summary>
    /// One <c>201</c> for the reading, its series grouped by fragment (one chart per fragment in Cumulocity), with
    /// the original time; then its alarms and events. A reading too long for one message is split at fragment
    /// (or, for a huge fragment, series) boundaries into several <c>201</c> lines of the same time.
    /// </summary>
    public static List<string> MeasurementLines(IDeviceType type, Measurement measurement)
    {
        var lines = new List<string>(1 + (measurement.Notices?.Count ?? 0));
        var time = SmartRest.Time(measurement.Timestamp);
        var prefix = SmartRest.Line("201", type.CumulocityType, time);
        var prefixBytes = Encoding.UTF8.GetByteCount(prefix);
        var line = new StringBuilder(prefix, 512);
        var lineBytes = prefixBytes;
        var series = type.Series;
        var values = measurement.Values;
        var anySeries = false;
        foreach (var index in FragmentOrder(type))
        {
            if (index >= values.Length || !double.IsFinite(values[index]))
            {
                continue; // Cumulocity rejects NaN and infinities; a missing value is left out.
            }

            var definition = series[index];
            var field = SmartRest.Line(definition.CumulocityFragment, definition.CumulocitySeries, SmartRest.Number(values[index]), definition.Unit);
            var fieldBytes = Encoding.UTF8.GetByteCount(field) + 1;
            if (anySeries && lineBytes + fieldBytes > SmartRest.MaxMessageBytes)
            {
                lines.Add(line.ToString());
                line.Clear().Append(prefix);
                lineBytes = prefixBytes;
            }

            line.Append(',').Append(field);
            lineBytes += fieldBytes;
            anySeries = true;
        }

        if (anySeries)
        {
            lines.Add(line.ToString());
        }

        if (measurement.Notices is { } notices)
        {
            foreach (var notice in notices)
            {
                lines.Add(NoticeLine(notice, measurement.Timestamp));
            }
        }

        return lines;
    }

    public static string NoticeLine(DeviceNotice notice, DateTimeOffset time) => notice.Kind switch
    {
        NoticeKind.AlarmRaised => SmartRest.Line(SeverityTemplate(notice.Severity), notice.Type, notice.Text, SmartRest.Time(time)),
        NoticeKind.AlarmCleared => SmartRest.Line("306", notice.Type),
        _ => SmartRest.Line("400", notice.Type, notice.Text, SmartRest.Time(time)),
    };

    public static string EventLine(string type, string text, DateTimeOffset time) => SmartRest.Line("400", type, text, SmartRest.Time(time));

    /// <summary><c>113</c>: the device's current configuration text, shown under Configuration in Cumulocity.</summary>
    public static string ConfigurationLine(string configuration) => SmartRest.Line("113", configuration);

    private static string SeverityTemplate(AlarmSeverity severity) => severity switch
    {
        AlarmSeverity.Critical => "301",
        AlarmSeverity.Major => "302",
        AlarmSeverity.Minor => "303",
        _ => "304",
    };

    /// <summary>Series indexes with those of one fragment together, fragments in order of first appearance.</summary>
    private static int[] FragmentOrder(IDeviceType type) => _fragmentOrder.GetOrAdd(type, static t =>
    {
        var fragments = new List<string>();
        foreach (var s in t.Series)
        {
            if (!fragments.Contains(s.CumulocityFragment))
            {
                fragments.Add(s.CumulocityFragment);
            }
        }

        return [.. fragments.SelectMany(f => t.Series.Select((s, i) => (s, i)).Where(x => x.s.CumulocityFragment == f).Select(x => x.i))];
    });
}

/// <summary>Generic mode: one JSON document per reading.</summary>
public static class GenericJsonEncoder
{
    public static string Topic(string template, MqttDevice device) =>
        template.Replace("{type}", device.Type.Id, StringComparison.Ordinal)
            .Replace("{deviceId}", device.ExternalId, StringComparison.Ordinal);

    /// <summary>
    /// <c>{"timestamp":"…Z","device":"pv-…","name":"Roof PV","type":"pv","values":{"power":{"value":1234.5,"unit":"W"},…}}</c>,
    /// plus <c>"notices":[{"kind":"AlarmRaised","type":…,"text":…,"severity":"Major"}]</c> when the model reported any.
    /// </summary>
    public static string Payload(MqttDevice device, Measurement measurement)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", SmartRest.Time(measurement.Timestamp));
            writer.WriteString("device", device.ExternalId);
            writer.WriteString("name", device.Name);
            writer.WriteString("type", device.Type.Id);
            writer.WriteStartObject("values");
            var series = device.Type.Series;
            for (var i = 0; i < series.Count && i < measurement.Values.Length; i++)
            {
                writer.WriteStartObject(series[i].Key);
                var value = measurement.Values[i];
                if (double.IsFinite(value))
                {
                    writer.WriteNumber("value", Math.Round(value, 6));
                }
                else
                {
                    writer.WriteNull("value");
                }

                writer.WriteString("unit", series[i].Unit);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            if (measurement.Notices is { Count: > 0 } notices)
            {
                writer.WriteStartArray("notices");
                foreach (var notice in notices)
                {
                    writer.WriteStartObject();
                    writer.WriteString("kind", notice.Kind.ToString());
                    writer.WriteString("type", notice.Type);
                    writer.WriteString("text", notice.Text);
                    writer.WriteString("severity", notice.Severity.ToString());
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static string EventPayload(MqttDevice device, string type, string text, DateTimeOffset time) =>
        JsonSerializer.Serialize(new { timestamp = SmartRest.Time(time), device = device.ExternalId, name = device.Name, type = device.Type.Id, @event = new { type, text } });
}
