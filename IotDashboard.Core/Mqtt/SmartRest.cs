using System.Globalization;
using System.Text;

namespace IotDashboard.Core.Mqtt;

/// <summary>
/// SmartREST 2.0 static-template lines: CSV with Cumulocity's quoting (a value with <c>,</c> <c>"</c>, a line
/// break or leading/trailing spaces is wrapped in <c>"</c>; an inner <c>"</c> becomes <c>\"</c>), and several
/// lines per message, never more than <see cref="MaxMessageBytes"/>.
/// </summary>
public static class SmartRest
{
    /// <summary>Cumulocity's limit for one MQTT message.</summary>
    public const int MaxMessageBytes = 16_184;

    public const string UpTopic = "s/us";
    public const string DownTopic = "s/ds";
    public const string ErrorTopic = "s/e";

    public const string RestartFragment = "c8y_Restart";
    public const string CommandFragment = "c8y_Command";
    public const string ConfigurationFragment = "c8y_Configuration";

    public static readonly string LastWillPayload = Line("400", "c8y_ConnectionEvent", "Device connection was lost.");

    public static string ChildTopic(string childId) => UpTopic + "/" + childId;

    public static string Line(params string?[] fields)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            AppendField(builder, fields[i]);
        }

        return builder.ToString();
    }

    public static void AppendField(StringBuilder builder, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (!NeedsQuotes(value))
        {
            builder.Append(value);
            return;
        }

        builder.Append('"');
        foreach (var c in value)
        {
            if (c == '"')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        builder.Append('"');
    }

    public static bool NeedsQuotes(string value) =>
        value.Length > 0 && (value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || value[0] == ' ' || value[^1] == ' ');

    public static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>ISO-8601 in UTC with milliseconds: the original time of a reading, also after store-and-forward.</summary>
    public static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Splits a message into lines and their fields: quoted fields may hold commas, line breaks and <c>\"</c>.
    /// Empty lines are skipped.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> Parse(string message)
    {
        var lines = new List<IReadOnlyList<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        var lineHasContent = false;
        for (var i = 0; i < message.Length; i++)
        {
            var c = message[i];
            if (quoted)
            {
                if (c == '\\' && i + 1 < message.Length && message[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    quoted = true;
                    lineHasContent = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    lineHasContent = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    EndLine();
                    break;
                default:
                    field.Append(c);
                    lineHasContent = true;
                    break;
            }
        }

        EndLine();
        return lines;

        void EndLine()
        {
            if (lineHasContent || field.Length > 0)
            {
                fields.Add(field.ToString());
                lines.Add(fields.ToArray());
            }

            fields.Clear();
            field.Clear();
            lineHasContent = false;
        }
    }

    /// <summary>
    /// Packs lines into as few messages as fit the limit, keeping their order. A line longer than the limit on
    /// its own cannot be sent and is returned in <paramref name="oversized"/>.
    /// </summary>
    public static List<string> Pack(IEnumerable<string> lines, List<string>? oversized = null, int maxBytes = MaxMessageBytes)
    {
        var messages = new List<string>();
        var current = new StringBuilder();
        var currentBytes = 0;
        foreach (var line in lines)
        {
            var bytes = Encoding.UTF8.GetByteCount(line);
            if (bytes > maxBytes)
            {
                oversized?.Add(line);
                continue;
            }

            var needed = currentBytes == 0 ? bytes : currentBytes + 1 + bytes;
            if (needed > maxBytes)
            {
                messages.Add(current.ToString());
                current.Clear();
                needed = bytes;
            }

            if (current.Length > 0)
            {
                current.Append('\n');
            }

            current.Append(line);
            currentBytes = needed;
        }

        if (current.Length > 0)
        {
            messages.Add(current.ToString());
        }

        return messages;
    }
}
