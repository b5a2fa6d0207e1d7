using System.Globalization;
using System.Text;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Storage;

namespace IotDashboard.App.Api;

/// <summary>
/// <c>GET /api/readings.csv</c>: the Data page's filter as query parameters, the matching readings streamed as
/// CSV while they are read (never all in memory). Bad input gets a 400 with a message saying what is allowed.
/// </summary>
internal static class ReadingsApi
{
    public const string CsvPath = "/api/readings.csv";

    public static IEndpointRouteBuilder MapReadingsApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").RequireAuthorization(Security.AppRoles.ViewerPolicy); // reading data: any role
        api.MapGet("/readings.csv", ExportCsv);
        return endpoints;
    }

    /// <summary>The query string the Data page links to for its current filter.</summary>
    public static string CsvUrl(ReadingQuery query)
    {
        var parts = new List<string>();
        if (query.DeviceIds is { Count: > 0 } ids)
        {
            parts.Add("devices=" + string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture))));
        }

        if (!string.IsNullOrEmpty(query.DeviceType))
        {
            parts.Add("type=" + Uri.EscapeDataString(query.DeviceType));
        }

        if (query.From is { } from)
        {
            parts.Add("from=" + Uri.EscapeDataString(from.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        }

        if (query.To is { } to)
        {
            parts.Add("to=" + Uri.EscapeDataString(to.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)));
        }

        parts.Add("sort=" + SortName(query.Sort));
        return CsvPath.TrimStart('/') + "?" + string.Join("&", parts);
    }

    /// <summary>Parses and checks the query; null and the messages when something is wrong.</summary>
    public static (ReadingQuery? Query, IReadOnlyList<string> Errors) Parse(IQueryCollection query, DeviceTypeRegistry types)
    {
        var errors = new List<string>();
        List<int>? deviceIds = null;
        if (query["devices"].ToString() is { Length: > 0 } devices)
        {
            deviceIds = [];
            foreach (var part in devices.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0)
                {
                    deviceIds.Add(id);
                }
                else
                {
                    errors.Add($"devices must be a comma-separated list of device ids (got '{Truncate(part)}').");
                    break;
                }
            }

            if (deviceIds.Count == 0 && errors.Count == 0)
            {
                errors.Add("devices must be a comma-separated list of device ids (got none).");
            }

            if (deviceIds.Count > 1000)
            {
                errors.Add("devices may list at most 1000 ids.");
            }
        }

        string? type = null;
        if (query["type"].ToString() is { Length: > 0 } typeText)
        {
            if (types.TryGet(typeText, out _))
            {
                type = typeText;
            }
            else
            {
                errors.Add($"type must be one of: {string.Join(", ", types.All.Select(t => t.Id))} (got '{Truncate(typeText)}').");
            }
        }

        var from = ParseTime(query, "from", errors);
        var to = ParseTime(query, "to", errors);
        if (from is not null && to is not null && to <= from)
        {
            errors.Add("to must be after from.");
        }

        var sort = ReadingSort.TimeAscending; // a file reads top to bottom in time order
        if (query["sort"].ToString() is { Length: > 0 } sortText && !TryParseSort(sortText, out sort))
        {
            errors.Add($"sort must be one of: {string.Join(", ", Enum.GetValues<ReadingSort>().Select(SortName))} (got '{Truncate(sortText)}').");
        }

        return errors.Count > 0 ? (null, errors) : (new ReadingQuery(deviceIds, type, from, to, sort), errors);
    }

    private static async Task<IResult> ExportCsv(HttpContext http, MeasurementQueries queries, DeviceTypeRegistry types, TimeProvider time)
    {
        var (query, errors) = Parse(http.Request.Query, types);
        if (query is null)
        {
            return TypedResults.BadRequest(new { error = string.Join(" ", errors), errors });
        }

        var series = ColumnsFor(query, types);
        var fileName = $"readings-{time.GetUtcNow():yyyyMMdd-HHmmss}.csv";
        return TypedResults.Stream(
            async stream =>
            {
                var cancellationToken = http.RequestAborted;
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), bufferSize: 64 * 1024);
                await writer.WriteLineAsync("timestamp,device_id,device_name,device_type," + string.Join(",", series.Select(s => s.Key)));
                var line = new StringBuilder(256);
                var rows = 0;
                await foreach (var reading in queries.StreamAsync(query, cancellationToken))
                {
                    line.Clear();
                    line.Append(reading.Timestamp.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)).Append(',')
                        .Append(reading.DeviceId.ToString(CultureInfo.InvariantCulture)).Append(',')
                        .Append(Escape(reading.DeviceName)).Append(',')
                        .Append(reading.DeviceType);
                    types.TryGet(reading.DeviceType, out var type);
                    foreach (var column in series)
                    {
                        line.Append(',');
                        var index = type is null ? -1 : IndexOf(type, column.Key);
                        if (index >= 0 && index < reading.Values.Length && double.IsFinite(reading.Values[index]))
                        {
                            line.Append(reading.Values[index].ToString("R", CultureInfo.InvariantCulture));
                        }
                    }

                    await writer.WriteLineAsync(line, cancellationToken);
                    if (++rows % 5_000 == 0)
                    {
                        await writer.FlushAsync(cancellationToken); // the download moves while the query runs
                    }
                }
            },
            "text/csv; charset=utf-8",
            fileName);
    }

    /// <summary>The series columns: the filtered type's, else every type's, common series first, each key once.</summary>
    internal static IReadOnlyList<SeriesDefinition> ColumnsFor(ReadingQuery query, DeviceTypeRegistry types)
    {
        var relevant = query.DeviceType is { } typeId && types.TryGet(typeId, out var only) ? [only] : types.All.ToList();
        var columns = new List<SeriesDefinition>();
        foreach (var series in relevant.SelectMany(t => t.Series))
        {
            if (!columns.Any(c => c.Key == series.Key))
            {
                columns.Add(series);
            }
        }

        return columns;
    }

    private static int IndexOf(IDeviceType type, string key)
    {
        for (var i = 0; i < type.Series.Count; i++)
        {
            if (type.Series[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    private static DateTimeOffset? ParseTime(IQueryCollection query, string name, List<string> errors)
    {
        if (query[name].ToString() is not { Length: > 0 } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        errors.Add($"{name} must be an ISO 8601 time such as 2026-01-31T12:00:00Z (got '{Truncate(text)}').");
        return null;
    }

    internal static string SortName(ReadingSort sort) => sort switch
    {
        ReadingSort.TimeAscending => "time",
        ReadingSort.TimeDescending => "-time",
        ReadingSort.DeviceAscending => "device",
        ReadingSort.PowerAscending => "power",
        ReadingSort.PowerDescending => "-power",
        _ => "time",
    };

    private static bool TryParseSort(string text, out ReadingSort sort)
    {
        foreach (var candidate in Enum.GetValues<ReadingSort>())
        {
            if (SortName(candidate) == text)
            {
                sort = candidate;
                return true;
            }
        }

        sort = default;
        return false;
    }

    private static string Escape(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
