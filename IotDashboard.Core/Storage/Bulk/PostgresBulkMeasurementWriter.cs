using IotDashboard.Core.Devices;
using Npgsql;
using NpgsqlTypes;

namespace IotDashboard.Core.Storage.Bulk;

/// <summary>Binary COPY: PostgreSQL's bulk path, atomic per batch.</summary>
internal sealed class PostgresBulkMeasurementWriter(NpgsqlDataSource dataSource, DeviceTypeRegistry types) : IBulkMeasurementWriter
{
    public async Task WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var importer = await connection.BeginBinaryImportAsync(
            "COPY device_measurements (device_id, timestamp, power, voltage, current, power_factor, energy_kwh, extra) FROM STDIN (FORMAT BINARY)",
            cancellationToken);

        foreach (var m in batch)
        {
            await importer.StartRowAsync(cancellationToken);
            await importer.WriteAsync(m.DeviceId, NpgsqlDbType.Integer, cancellationToken);
            await importer.WriteAsync(m.Timestamp.ToUniversalTime(), NpgsqlDbType.TimestampTz, cancellationToken);
            await importer.WriteAsync(m.Power, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(m.Voltage, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(m.Current, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(m.PowerFactor, NpgsqlDbType.Double, cancellationToken);
            await importer.WriteAsync(m.EnergyKwh, NpgsqlDbType.Double, cancellationToken);
            if (ExtraSeriesJson.Write(types.Get(m.DeviceType), m.Values) is { } extra)
            {
                await importer.WriteAsync(extra, NpgsqlDbType.Jsonb, cancellationToken);
            }
            else
            {
                await importer.WriteNullAsync(cancellationToken);
            }
        }

        await importer.CompleteAsync(cancellationToken);
    }
}
