using System.Buffers;
using System.Text.Json;
using IotDashboard.Core.Devices;
using Microsoft.Data.Sqlite;

namespace IotDashboard.Core.Storage.Bulk;

/// <summary>One transaction per batch with one prepared INSERT: about ten times faster than SaveChanges.</summary>
internal sealed class SqliteBulkMeasurementWriter(string connectionString, DeviceTypeRegistry types) : IBulkMeasurementWriter
{
    public async Task WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        SqlitePragmas.Apply(connection);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);

        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "INSERT INTO device_measurements (device_id, timestamp, power, voltage, current, power_factor, energy_kwh, extra) " +
            "VALUES ($d, $t, $p, $u, $i, $pf, $e, $x)";
        var deviceId = command.Parameters.Add("$d", SqliteType.Integer);
        var timestamp = command.Parameters.Add("$t", SqliteType.Integer);
        var power = command.Parameters.Add("$p", SqliteType.Real);
        var voltage = command.Parameters.Add("$u", SqliteType.Real);
        var current = command.Parameters.Add("$i", SqliteType.Real);
        var powerFactor = command.Parameters.Add("$pf", SqliteType.Real);
        var energy = command.Parameters.Add("$e", SqliteType.Real);
        var extra = command.Parameters.Add("$x", SqliteType.Text);
        command.Prepare();

        // Microsoft.Data.Sqlite runs its async methods synchronously anyway; the sync calls skip a Task per row.
        var jsonBuffer = new ArrayBufferWriter<byte>(512);
        using var jsonWriter = new Utf8JsonWriter(jsonBuffer);
        foreach (var m in batch)
        {
            deviceId.Value = m.DeviceId;
            timestamp.Value = m.Timestamp.ToUnixTimeMilliseconds();
            power.Value = m.Power;
            voltage.Value = m.Voltage;
            current.Value = m.Current;
            powerFactor.Value = m.PowerFactor;
            energy.Value = m.EnergyKwh;
            extra.Value = (object?)ExtraSeriesJson.Write(types.Get(m.DeviceType), m.Values, jsonBuffer, jsonWriter) ?? DBNull.Value;
            command.ExecuteNonQuery();
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
