using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotDashboard.Core.Storage;

/// <summary>
/// Deletes readings older than <see cref="StorageOptions.RetentionDays"/> in small chunks, so the writer is never
/// locked out for long. Runs shortly after start and then every hour.
/// </summary>
public sealed partial class RetentionService(
    IDbContextFactory<IotDbContext> contexts,
    TimeProvider timeProvider,
    IOptionsMonitor<StorageOptions> options,
    ILogger<RetentionService> logger) : BackgroundService
{
    public const int ChunkSize = 5_000;

    /// <summary>Deletes what is older than the retention period; returns how many readings.</summary>
    public async Task<long> RunOnceAsync(CancellationToken cancellationToken)
    {
        var days = options.CurrentValue.RetentionDays;
        if (days <= 0)
        {
            return 0;
        }

        var cutoff = timeProvider.GetUtcNow().AddDays(-days);
        long total = 0;
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        while (true)
        {
            var chunk = context.Measurements.Where(m => m.Timestamp < cutoff).OrderBy(m => m.Timestamp).Select(m => m.Id).Take(ChunkSize);
            var deleted = await context.Measurements.Where(m => chunk.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
            total += deleted;
            if (deleted < ChunkSize)
            {
                return total;
            }

            // A real pause (not the injected clock: it is about giving the writer the lock now, not simulated time).
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), timeProvider, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var deleted = await RunOnceAsync(stoppingToken);
                    if (deleted > 0)
                    {
                        LogDeleted(deleted, options.CurrentValue.RetentionDays);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(ex);
                }

                await Task.Delay(TimeSpan.FromHours(1), timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention deleted {Count} readings older than {Days} days")]
    private partial void LogDeleted(long count, int days);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retention run failed; will retry in an hour")]
    private partial void LogFailed(Exception error);
}
