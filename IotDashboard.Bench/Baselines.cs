using System.Diagnostics;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using IotDashboard.Core.Storage.Entities;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace IotDashboard.Bench;

public sealed class StorageBaselines
{
    public required string Store { get; init; }
    public int Rows { get; init; }
    public int InterleavedDevices { get; init; }
    /// <summary>Raw provider path (prepared INSERT loop in one transaction / binary COPY), rows prepared beforehand.</summary>
    public double RawRowsPerSecond { get; set; }
    /// <summary>Core's storage sink (MeasurementStore → bulk writer) fed batches of the pump's maximum size as fast as it takes them.</summary>
    public double CoreRowsPerSecond { get; set; }
    public int CoreBatchSize { get; set; }
    public List<double> RawRuns { get; } = [];
    public List<double> CoreRuns { get; } = [];
    /// <summary>The prototype's approach: one EF Core SaveChanges per reading.</summary>
    public double EfPerReadingRowsPerSecond { get; set; }
    public int EfRows { get; set; }
    public double CoreToRaw => RawRowsPerSecond > 0 ? CoreRowsPerSecond / RawRowsPerSecond : 0;
    public double CoreToEf => EfPerReadingRowsPerSecond > 0 ? CoreRowsPerSecond / EfPerReadingRowsPerSecond : 0;
}

/// <summary>The physical limit of each storage path and the prototype's approach, on the same rows as the Core path.</summary>
public static class Baselines
{
    private const int Repetitions = 3;

    public static async Task<StorageBaselines> RunStorageAsync(BenchOptions options, BenchEnvironment environment, StoreKind store, int devices, CancellationToken cancellationToken)
    {
        var rows = options.BaselineRows;
        var interleaved = Math.Min(devices, rows);
        var start = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 86_400);
        var measurements = BenchRows.Generate(interleaved, rows, start, options.Interval);
        var raw = BenchRows.ToRaw(measurements);
        var result = new StorageBaselines { Store = store.ToString().ToLowerInvariant(), Rows = rows, InterleavedDevices = interleaved };

        // Raw and Core alternate three times on fresh tables; the best of each counts (the machine is shared and
        // noisy: the fastest run is the one least disturbed).
        result.CoreBatchSize = PipelinePump.MaxBatchSize;
        for (var round = 1; round <= Repetitions; round++)
        {
            Console.Error.WriteLine($"[baseline {result.Store}] round {round}/{Repetitions}: raw bulk path, then the Core storage sink, {rows:N0} rows from {interleaved:N0} devices");
            var rawConnection = await NewDatabaseAsync(environment, store, "raw", cancellationToken);
            await using (var provider = await CoreStorage.CreateAsync(store, rawConnection, environment.WorkDirectory, cancellationToken))
            {
                var elapsed = store == StoreKind.Postgres
                    ? await RawCopyAsync(rawConnection, raw, cancellationToken)
                    : await RawInsertAsync(rawConnection, raw, cancellationToken);
                result.RawRuns.Add(rows / elapsed.TotalSeconds);
            }

            await DropAsync(environment, store, rawConnection);

            var coreConnection = await NewDatabaseAsync(environment, store, "core", cancellationToken);
            await using (var provider = await CoreStorage.CreateAsync(store, coreConnection, environment.WorkDirectory, cancellationToken))
            {
                var sink = provider.GetRequiredService<MeasurementStore>();
                var watch = Stopwatch.StartNew();
                foreach (var chunk in measurements.Chunk(PipelinePump.MaxBatchSize))
                {
                    await sink.WriteAsync(chunk, cancellationToken);
                }

                result.CoreRuns.Add(rows / watch.Elapsed.TotalSeconds);
            }

            await DropAsync(environment, store, coreConnection);
        }

        result.RawRowsPerSecond = result.RawRuns.Max();
        result.CoreRowsPerSecond = result.CoreRuns.Max();

        Console.Error.WriteLine($"[baseline {result.Store}] EF Core SaveChanges per reading (5 s)");
        var efConnection = await NewDatabaseAsync(environment, store, "ef", cancellationToken);
        await using (var provider = await CoreStorage.CreateAsync(store, efConnection, environment.WorkDirectory, cancellationToken))
        {
            var contexts = provider.GetRequiredService<IDbContextFactory<IotDbContext>>();
            var watch = Stopwatch.StartNew();
            var written = 0;
            while (written < raw.Length && watch.Elapsed < TimeSpan.FromSeconds(5))
            {
                var r = raw[written];
                await using var context = await contexts.CreateDbContextAsync(cancellationToken);
                context.Measurements.Add(new MeasurementRow
                {
                    DeviceId = r.DeviceId,
                    Timestamp = r.Timestamp,
                    Power = r.Power,
                    Voltage = r.Voltage,
                    Current = r.Current,
                    PowerFactor = r.PowerFactor,
                    EnergyKwh = r.EnergyKwh,
                    Extra = r.Extra,
                });
                await context.SaveChangesAsync(cancellationToken);
                written++;
            }

            result.EfRows = written;
            result.EfPerReadingRowsPerSecond = written / watch.Elapsed.TotalSeconds;
        }

        await DropAsync(environment, store, efConnection);
        return result;
    }

    public static async Task<TimeSpan> RawInsertAsync(string connectionString, IReadOnlyList<RawRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA synchronous=NORMAL;"; // the durability the Core runs with
            pragma.ExecuteNonQuery();
        }

        var watch = Stopwatch.StartNew();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO device_measurements (device_id, timestamp, power, voltage, current, power_factor, energy_kwh, extra) VALUES ($d, $t, $p, $u, $i, $pf, $e, $x)";
        var p = new[]
        {
            command.Parameters.Add("$d", SqliteType.Integer), command.Parameters.Add("$t", SqliteType.Integer),
            command.Parameters.Add("$p", SqliteType.Real), command.Parameters.Add("$u", SqliteType.Real),
            command.Parameters.Add("$i", SqliteType.Real), command.Parameters.Add("$pf", SqliteType.Real),
            command.Parameters.Add("$e", SqliteType.Real), command.Parameters.Add("$x", SqliteType.Text),
        };
        command.Prepare();
        foreach (var r in rows)
        {
            p[0].Value = r.DeviceId;
            p[1].Value = r.Timestamp.ToUnixTimeMilliseconds();
            p[2].Value = r.Power;
            p[3].Value = r.Voltage;
            p[4].Value = r.Current;
            p[5].Value = r.PowerFactor;
            p[6].Value = r.EnergyKwh;
            p[7].Value = (object?)r.Extra ?? DBNull.Value;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return watch.Elapsed;
    }

    /// <summary>Raw Npgsql binary COPY of the rows: the baseline itself, and the bulk loader of the query benchmark.</summary>
    public static async Task CopyRowsAsync(NpgsqlConnection connection, IEnumerable<RawRow> rows, CancellationToken cancellationToken)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY device_measurements (device_id, timestamp, power, voltage, current, power_factor, energy_kwh, extra) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var r in rows)
        {
            importer.StartRow();
            importer.Write(r.DeviceId, NpgsqlDbType.Integer);
            importer.Write(r.Timestamp.UtcDateTime, NpgsqlDbType.TimestampTz);
            importer.Write(r.Power, NpgsqlDbType.Double);
            importer.Write(r.Voltage, NpgsqlDbType.Double);
            importer.Write(r.Current, NpgsqlDbType.Double);
            importer.Write(r.PowerFactor, NpgsqlDbType.Double);
            importer.Write(r.EnergyKwh, NpgsqlDbType.Double);
            if (r.Extra is null)
            {
                importer.WriteNull();
            }
            else
            {
                importer.Write(r.Extra, NpgsqlDbType.Jsonb);
            }
        }

        await importer.CompleteAsync(cancellationToken);
    }

    public static async Task<TimeSpan> RawCopyAsync(string connectionString, IReadOnlyList<RawRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var watch = Stopwatch.StartNew();
        await CopyRowsAsync(connection, rows, cancellationToken);
        return watch.Elapsed;
    }

    private static async Task<string> NewDatabaseAsync(BenchEnvironment environment, StoreKind store, string name, CancellationToken cancellationToken) =>
        store == StoreKind.Postgres
            ? await environment.NewPostgresDatabaseAsync(name, cancellationToken)
            : environment.NewSqliteConnectionString($"baseline-{name}");

    private static async Task DropAsync(BenchEnvironment environment, StoreKind store, string connectionString)
    {
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
}
