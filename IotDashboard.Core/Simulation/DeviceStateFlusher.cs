using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotDashboard.Core.Simulation;

/// <summary>Writes device counters back periodically and once more at shutdown, after the scheduler has stopped.</summary>
public sealed partial class DeviceStateFlusher(
    DeviceManager devices,
    TimeProvider timeProvider,
    IOptions<SimulationOptions> options,
    ILogger<DeviceStateFlusher> logger) : BackgroundService
{
    /// <summary>Stop time is not a reason to skip the last counters: bounded on its own, never throws.</summary>
    private static readonly TimeSpan _finalFlushLimit = TimeSpan.FromSeconds(5);

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // The host's token may already be spent (a slow stop elsewhere, a test host disposing); a failed final
        // flush costs nothing stored — start-up reconciles counters from the stored rows.
        using var limit = new CancellationTokenSource(_finalFlushLimit);
        try
        {
            await devices.FlushCountersAsync(limit.Token);
        }
        catch (Exception ex)
        {
            LogFlushFailed(ex);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.StateFlushSeconds), timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        try
        {
            await devices.FlushCountersAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFlushFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing device counters failed; will retry")]
    private partial void LogFlushFailed(Exception error);
}
