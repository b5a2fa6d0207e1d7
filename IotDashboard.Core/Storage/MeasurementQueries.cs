using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Storage.Bulk;
using IotDashboard.Core.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace IotDashboard.Core.Storage;

/// <summary>A stored reading with its values in the device type's series order (NaN where a series is absent).</summary>
public sealed record StoredReading(long Id, int DeviceId, string DeviceName, string DeviceType, DateTimeOffset Timestamp, double[] Values);

/// <summary>How many readings of a device are stored after a point in time, and the newest one's timestamp.</summary>
public sealed record StoredSince(long Count, DateTimeOffset Last);

/// <summary>One point of a downsampled series: the bucket's start and the mean of each series (energy: the last value).</summary>
public sealed record SeriesPoint(DateTimeOffset Time, double[] Values);

public enum ReadingSort
{
    TimeDescending,
    TimeAscending,
    DeviceAscending,
    PowerDescending,
    PowerAscending,
}

/// <summary>The data view's filter; every part optional.</summary>
public sealed record ReadingQuery(
    IReadOnlyCollection<int>? DeviceIds = null,
    string? DeviceType = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    ReadingSort Sort = ReadingSort.TimeDescending);

/// <summary>The reads the UI and the simulation need, written so that they stay fast with millions of rows.</summary>
public sealed class MeasurementQueries(IDbContextFactory<IotDbContext> contexts, DeviceTypeRegistry types)
{
    /// <summary>The latest stored reading of every device, via the (device, time) index: one seek per device.</summary>
    public async Task<IReadOnlyDictionary<int, StoredReading>> LatestPerDeviceAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var latestIds = context.Devices.Select(d => context.Measurements
            .Where(m => m.DeviceId == d.Id)
            .OrderByDescending(m => m.Timestamp)
            .Select(m => (long?)m.Id)
            .FirstOrDefault());
        var rows = await Project(context, context.Measurements.AsNoTracking().Where(m => latestIds.Contains(m.Id)))
            .ToListAsync(cancellationToken);
        return rows.Select(ToReading).ToDictionary(r => r.DeviceId);
    }

    /// <summary>
    /// Per device, the readings stored after its last flushed counter (<see cref="Entities.DeviceConfig.LastReadingAt"/>,
    /// or all of them when it was never flushed) and the newest of their timestamps. After a crash these are the
    /// readings the stored counter missed. One seek per device on the (device, time) index.
    /// </summary>
    public async Task<IReadOnlyDictionary<int, StoredSince>> StoredSinceLastFlushAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await (
                from m in context.Measurements
                join d in context.Devices on m.DeviceId equals d.Id
                where d.LastReadingAt == null || m.Timestamp > d.LastReadingAt
                group m by m.DeviceId into g
                select new { DeviceId = g.Key, Count = g.LongCount(), Last = g.Max(m => m.Timestamp) })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.DeviceId, r => new StoredSince(r.Count, r.Last));
    }

    /// <summary>A page of readings matching <paramref name="query"/>.</summary>
    public async Task<IReadOnlyList<StoredReading>> QueryAsync(ReadingQuery query, int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await Sort(Project(context, Filter(context, query)), query.Sort).Skip(skip).Take(Math.Min(take, 10_000))
            .ToListAsync(cancellationToken);
        return rows.Select(ToReading).ToList();
    }

    /// <summary>How many readings match; on a very large table prefer showing pages without a total.</summary>
    public async Task<long> CountAsync(ReadingQuery query, CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await Filter(context, query).LongCountAsync(cancellationToken);
    }

    /// <summary>Every reading matching <paramref name="query"/>, streamed row by row (CSV export).</summary>
    public async IAsyncEnumerable<StoredReading> StreamAsync(ReadingQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        await foreach (var row in Sort(Project(context, Filter(context, query)), query.Sort).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return ToReading(row);
        }
    }

    /// <summary>
    /// A device's series between <paramref name="from"/> and <paramref name="to"/>, averaged in SQL into at most
    /// <paramref name="maxPoints"/> buckets, so a 24-hour chart moves 1,440 points, not 86,400 rows.
    /// </summary>
    public async Task<IReadOnlyList<SeriesPoint>> GetSeriesAsync(int deviceId, DateTimeOffset from, DateTimeOffset to, int maxPoints, CancellationToken cancellationToken = default)
    {
        if (to <= from)
        {
            throw new ArgumentException("The end of the range must be after its start.", nameof(to));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var typeId = await context.Devices.Where(d => d.Id == deviceId).Select(d => d.DeviceType).FirstOrDefaultAsync(cancellationToken);
        if (typeId is null || !types.TryGet(typeId, out var type))
        {
            return [];
        }

        var bucketMs = Math.Max(1, (long)Math.Ceiling((to - from).TotalMilliseconds / maxPoints));
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = SeriesSql(context.Provider, type);
        AddParameter(command, "d", deviceId);
        AddParameter(command, "bucket", bucketMs);
        if (context.Provider == DatabaseProvider.Sqlite)
        {
            AddParameter(command, "from", from.ToUnixTimeMilliseconds());
            AddParameter(command, "to", to.ToUnixTimeMilliseconds());
        }
        else
        {
            AddParameter(command, "from", from.ToUniversalTime());
            AddParameter(command, "to", to.ToUniversalTime());
            AddParameter(command, "fromMs", from.ToUnixTimeMilliseconds());
        }

        var points = new List<SeriesPoint>(maxPoints);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var bucket = reader.GetInt64(0);
            var values = new double[type.Series.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i + 1) ? double.NaN : Convert.ToDouble(reader.GetValue(i + 1), CultureInfo.InvariantCulture);
            }

            points.Add(new SeriesPoint(from.AddMilliseconds(bucket * bucketMs), values));
        }

        return points;
    }

    /// <summary>How many readings are stored in total.</summary>
    public async Task<long> CountAllAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        return await context.Measurements.LongCountAsync(cancellationToken);
    }

    private static string SeriesSql(DatabaseProvider provider, IDeviceType type)
    {
        var sqlite = provider == DatabaseProvider.Sqlite;
        var sql = new StringBuilder("SELECT ");
        sql.Append(sqlite
            ? "(timestamp - $from) / $bucket AS b"
            : "floor((extract(epoch from timestamp) * 1000 - @fromMs) / @bucket)::bigint AS b");
        sql.Append(", AVG(power), AVG(voltage), AVG(current), AVG(power_factor), MAX(energy_kwh)");
        foreach (var series in type.Series.Skip(CommonSeries.Count))
        {
            // Keys are identifiers checked by the registry, never user input.
            sql.Append(sqlite
                ? $", AVG(json_extract(extra, '$.{series.Key}'))"
                : $", AVG((extra->>'{series.Key}')::float8)");
        }

        var p = sqlite ? "$" : "@";
        sql.Append($" FROM device_measurements WHERE device_id = {p}d AND timestamp >= {p}from AND timestamp < {p}to GROUP BY b ORDER BY b");
        return sql.ToString();
    }

    private static void AddParameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static IQueryable<MeasurementRow> Filter(IotDbContext context, ReadingQuery query)
    {
        var rows = context.Measurements.AsNoTracking();
        if (query.DeviceIds is { Count: > 0 } ids)
        {
            rows = rows.Where(m => ids.Contains(m.DeviceId));
        }

        if (!string.IsNullOrEmpty(query.DeviceType))
        {
            var typeId = query.DeviceType;
            var ofType = context.Devices.Where(d => d.DeviceType == typeId).Select(d => d.Id);
            rows = rows.Where(m => ofType.Contains(m.DeviceId));
        }

        if (query.From is { } from)
        {
            rows = rows.Where(m => m.Timestamp >= from);
        }

        if (query.To is { } to)
        {
            rows = rows.Where(m => m.Timestamp < to);
        }

        return rows;
    }

    private static IQueryable<RowWithDevice> Sort(IQueryable<RowWithDevice> rows, ReadingSort sort) => sort switch
    {
        ReadingSort.TimeAscending => rows.OrderBy(r => r.Row.Timestamp).ThenBy(r => r.Row.Id),
        ReadingSort.DeviceAscending => rows.OrderBy(r => r.DeviceName).ThenByDescending(r => r.Row.Timestamp),
        ReadingSort.PowerDescending => rows.OrderByDescending(r => r.Row.Power).ThenByDescending(r => r.Row.Id),
        ReadingSort.PowerAscending => rows.OrderBy(r => r.Row.Power).ThenByDescending(r => r.Row.Id),
        _ => rows.OrderByDescending(r => r.Row.Timestamp).ThenByDescending(r => r.Row.Id),
    };

    private static IQueryable<RowWithDevice> Project(IotDbContext context, IQueryable<MeasurementRow> rows) =>
        rows.Join(context.Devices, m => m.DeviceId, d => d.Id, (m, d) => new RowWithDevice { Row = m, DeviceName = d.Name, DeviceType = d.DeviceType });

    private StoredReading ToReading(RowWithDevice row)
    {
        var m = row.Row;
        var values = types.TryGet(row.DeviceType, out var type)
            ? ExtraSeriesJson.ReadValues(type, m.Power, m.Voltage, m.Current, m.PowerFactor, m.EnergyKwh, m.Extra)
            : [m.Power, m.Voltage, m.Current, m.PowerFactor, m.EnergyKwh];
        return new StoredReading(m.Id, m.DeviceId, row.DeviceName, row.DeviceType, m.Timestamp, values);
    }

    // A member-init projection (not a constructor) so that EF can translate sorting on its members.
    private sealed class RowWithDevice
    {
        public required MeasurementRow Row { get; init; }

        public required string DeviceName { get; init; }

        public required string DeviceType { get; init; }
    }
}
