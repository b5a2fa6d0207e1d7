using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Core.Storage;

/// <summary>Applies the provider's migrations at start-up, before anything reads or writes.</summary>
public sealed partial class DatabaseInitializer(IDbContextFactory<IotDbContext> contexts, ILogger<DatabaseInitializer> logger) : IHostedService
{
    private const int Attempts = 30;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(cancellationToken);
                return;
            }
            catch (DbException ex) when (attempt < Attempts && !cancellationToken.IsCancellationRequested)
            {
                // A database server started alongside us (docker compose) may need a few seconds.
                LogWaiting(attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        if (context.Provider == DatabaseProvider.Sqlite)
        {
            var dataSource = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(context.Database.GetConnectionString()).DataSource;
            if (Path.GetDirectoryName(Path.GetFullPath(dataSource)) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }

        await context.Database.MigrateAsync(cancellationToken);
        if (context.Provider == DatabaseProvider.Sqlite)
        {
            // WAL: readers (the UI) never block the writer; the setting is stored in the file.
            await context.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not reachable yet (attempt {Attempt}): {Reason}")]
    private partial void LogWaiting(int attempt, string reason);
}
