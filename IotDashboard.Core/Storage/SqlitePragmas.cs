using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace IotDashboard.Core.Storage;

/// <summary>
/// Per-connection SQLite settings: synchronous=NORMAL is safe with WAL (a power cut loses at most the last
/// transactions, never consistency) and several times faster than FULL; busy_timeout lets the UI's reads and
/// the writer wait for each other instead of failing.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public const string Sql = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Apply(connection);
        return Task.CompletedTask;
    }

    public static void Apply(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }
}
