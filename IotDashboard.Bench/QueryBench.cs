using System.Diagnostics;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Storage;
using IotDashboard.Core.Storage.Entities;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace IotDashboard.Bench;

public sealed class QueryTiming
{
    public required string Name { get; init; }
    public double ColdMs { get; set; }
    public double MedianMs { get; set; }
    public double MaxMs { get; set; }
    public int Rows { get; set; }
}

public sealed class QueryResults
{
    public required string Store { get; init; }
    public long StoredReadings { get; set; }
    public int Devices { get; set; }
    public double LoadSeconds { get; set; }
    public double LoadRowsPerSecond { get; set; }
    public List<QueryTiming> Timings { get; } = [];
}

/// <summary>
/// Loads readings of a fleet over 24 h at 1 Hz (116 devices ≈ 10 million rows) with the raw bulk path — indexes
/// dropped during the load and built afterwards, exactly as the migration defines them — then times the Core's
/// <see cref="MeasurementQueries"/>: one device's 24 h chart at 1,440 points, and the data view's first page.
/// </summary>
public static class QueryBench
{
    private const int SecondsPerDay = 86_400;
    private const int PageSize = 50;

    public static async Task<QueryResults> RunAsync(BenchOptions options, BenchEnvironment environment, StoreKind store, CancellationToken cancellationToken)
    {
        if (store == StoreKind.None)
        {
            throw new ArgumentException("--queries needs --store sqlite or postgres.");
        }

        var devices = Math.Max(3, (int)Math.Round(options.QueryRows / (double)SecondsPerDay));
        var result = new QueryResults { Store = store.ToString().ToLowerInvariant(), Devices = devices };
        var connectionString = store == StoreKind.Postgres
            ? await environment.NewPostgresDatabaseAsync("queries", cancellationToken)
            : environment.NewSqliteConnectionString("queries");
        await using var provider = await CoreStorage.CreateAsync(store, connectionString, environment.WorkDirectory, cancellationToken);

        var start = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() / SecondsPerDay * SecondsPerDay - SecondsPerDay);
        var ids = await CreateDevicesAsync(provider, devices, cancellationToken);
        var templates = Templates();
        IEnumerable<RawRow> Rows()
        {
            for (var s = 0; s < SecondsPerDay; s++)
            {
                var time = start.AddSeconds(s);
                for (var d = 0; d < devices; d++)
                {
                    var t = templates[d % 3][(s + d) % 64];
                    yield return t with { DeviceId = ids[d], Timestamp = time, EnergyKwh = t.EnergyKwh + s / 3600.0 };
                }
            }
        }

        Console.Error.WriteLine($"[queries {result.Store}] loading {devices * (long)SecondsPerDay:N0} readings of {devices} devices over 24 h");
        var load = Stopwatch.StartNew();
        if (store == StoreKind.Sqlite)
        {
            await LoadSqliteAsync(connectionString, Rows(), cancellationToken);
        }
        else
        {
            await LoadPostgresAsync(connectionString, Rows(), cancellationToken);
        }

        result.LoadSeconds = load.Elapsed.TotalSeconds;
        var queries = provider.GetRequiredService<MeasurementQueries>();
        result.StoredReadings = await queries.CountAllAsync(cancellationToken);
        result.LoadRowsPerSecond = result.StoredReadings / result.LoadSeconds;

        var gridDevice = ids[2]; // a grid meter: the type with the most series (13 in the JSON column)
        var heatPumpDevice = ids[1];
        result.Timings.Add(await TimeAsync($"24 h chart, 1,440 points, grid meter (5 + 13 series)",
            async () => (await queries.GetSeriesAsync(gridDevice, start, start.AddDays(1), 1440, cancellationToken)).Count));
        result.Timings.Add(await TimeAsync($"24 h chart, 1,440 points, heat pump",
            async () => (await queries.GetSeriesAsync(heatPumpDevice, start, start.AddDays(1), 1440, cancellationToken)).Count));
        // What the charts really ask for (GetSeriesAsync with series keys): the device page's default selection
        // (power, voltage, current: no JSON), and one type-specific series besides power (one JSON path).
        string[] chartDefault = ["power", "voltage", "current"];
        var gridExtra = new MainGridType().Series[CommonSeries.Count].Key;
        result.Timings.Add(await TimeAsync($"24 h chart, 1,440 points, grid meter, keys power+voltage+current",
            async () => (await queries.GetSeriesAsync(gridDevice, start, start.AddDays(1), 1440, chartDefault, cancellationToken)).Count));
        result.Timings.Add(await TimeAsync($"24 h chart, 1,440 points, grid meter, keys power+{gridExtra}",
            async () => (await queries.GetSeriesAsync(gridDevice, start, start.AddDays(1), 1440, ["power", gridExtra], cancellationToken)).Count));
        result.Timings.Add(await TimeAsync($"24 h chart, 1,440 points, heat pump, keys power+voltage+current",
            async () => (await queries.GetSeriesAsync(heatPumpDevice, start, start.AddDays(1), 1440, chartDefault, cancellationToken)).Count));
        result.Timings.Add(await TimeAsync($"data view page 1 ({PageSize} rows): type heatpump, 6 h range, newest first",
            async () => (await queries.QueryAsync(new ReadingQuery(DeviceType: HeatPumpType.TypeId, From: start.AddHours(12), To: start.AddHours(18)), 0, PageSize, cancellationToken)).Count));
        result.Timings.Add(await TimeAsync($"data view page 1 ({PageSize} rows): type heatpump, 24 h range, newest first",
            async () => (await queries.QueryAsync(new ReadingQuery(DeviceType: HeatPumpType.TypeId, From: start, To: start.AddDays(1)), 0, PageSize, cancellationToken)).Count));
        result.Timings.Add(await TimeAsync($"data view page 1 ({PageSize} rows): type heatpump, 6 h range, oldest first",
            async () => (await queries.QueryAsync(new ReadingQuery(DeviceType: HeatPumpType.TypeId, From: start.AddHours(12), To: start.AddHours(18), Sort: ReadingSort.TimeAscending), 0, PageSize, cancellationToken)).Count));

        if (!options.Keep)
        {
            await provider.DisposeAsync();
            if (store == StoreKind.Postgres)
            {
                await environment.DropPostgresDatabaseAsync(connectionString, CancellationToken.None);
            }
            else
            {
                SqliteConnection.ClearAllPools();
                BenchEnvironment.DeleteSqlite(new SqliteConnectionStringBuilder(connectionString).DataSource);
            }
        }

        return result;
    }

    private static async Task<QueryTiming> TimeAsync(string name, Func<Task<int>> query)
    {
        var timing = new QueryTiming { Name = name };
        var watch = Stopwatch.StartNew();
        timing.Rows = await query();
        timing.ColdMs = watch.Elapsed.TotalMilliseconds;
        var runs = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            watch.Restart();
            await query();
            runs.Add(watch.Elapsed.TotalMilliseconds);
        }

        runs.Sort();
        timing.MedianMs = runs[runs.Count / 2];
        timing.MaxMs = runs[^1];
        Console.Error.WriteLine($"  {name}: cold {timing.ColdMs:N1} ms, median {timing.MedianMs:N1} ms, max {timing.MaxMs:N1} ms ({timing.Rows} rows)");
        return timing;
    }

    private static async Task<List<int>> CreateDevicesAsync(ServiceProvider provider, int devices, CancellationToken cancellationToken)
    {
        var typeIds = new[] { SolarPvType.TypeId, HeatPumpType.TypeId, MainGridType.TypeId };
        var contexts = provider.GetRequiredService<IDbContextFactory<IotDbContext>>();
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var now = TimeProvider.System.GetUtcNow();
        var entities = Enumerable.Range(0, devices).Select(d => new DeviceConfig
        {
            ExternalId = $"bench-{d:D5}",
            Name = $"Bench {typeIds[d % 3]} {d:D5}",
            DeviceType = typeIds[d % 3],
            IntervalMs = 1000,
            ParametersJson = "{}",
            Seed = d,
            Status = DeviceStatus.Stopped,
            CreatedAt = now,
            UpdatedAt = now,
        }).ToList();
        context.Devices.AddRange(entities);
        await context.SaveChangesAsync(cancellationToken);
        return [.. entities.Select(e => e.Id)];
    }

    /// <summary>64 real readings per type (PV, heat pump, grid), cycled to fill the table with realistic values and JSON.</summary>
    private static RawRow[][] Templates()
    {
        var measurements = BenchRows.ToRaw(BenchRows.Generate(3, 3 * 64, DateTimeOffset.UtcNow.Date.AddHours(12), TimeSpan.FromSeconds(60)));
        return [.. Enumerable.Range(0, 3).Select(k => measurements.Where((_, i) => i % 3 == k).ToArray())];
    }

    private static async Task LoadSqliteAsync(string connectionString, IEnumerable<RawRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        Exec(connection, "PRAGMA synchronous=OFF; DROP INDEX ix_device_measurements_device_time; DROP INDEX ix_device_measurements_time;");
        var batch = new List<RawRow>(1_000_000);
        foreach (var row in rows)
        {
            batch.Add(row);
            if (batch.Count == batch.Capacity)
            {
                await Baselines.RawInsertAsync(connectionString, batch, cancellationToken);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            await Baselines.RawInsertAsync(connectionString, batch, cancellationToken);
        }

        // The same definitions as the migration.
        Exec(connection, "CREATE INDEX ix_device_measurements_device_time ON device_measurements (device_id, timestamp); CREATE INDEX ix_device_measurements_time ON device_measurements (timestamp);");
    }

    private static async Task LoadPostgresAsync(string connectionString, IEnumerable<RawRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecAsync(connection, "DROP INDEX ix_device_measurements_device_time; DROP INDEX ix_device_measurements_time;", cancellationToken);
        await Baselines.CopyRowsAsync(connection, rows, cancellationToken);

        await ExecAsync(connection, "CREATE INDEX ix_device_measurements_device_time ON device_measurements (device_id, timestamp); CREATE INDEX ix_device_measurements_time ON device_measurements (timestamp); ANALYZE device_measurements; ANALYZE device_configs;", cancellationToken);
    }

    private static void Exec(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 0;
        command.ExecuteNonQuery();
    }

    private static async Task ExecAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
