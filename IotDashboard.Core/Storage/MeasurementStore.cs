using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage.Bulk;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Core.Storage;

/// <summary>
/// The storage sink: appends each batch with the provider's bulk path. When the database fails it retries the
/// same batch with back-off until it succeeds, holding the pipeline back meanwhile — readings are never
/// dropped to keep up; the scheduler's lateness shows the stall and the sink status shows why.
/// </summary>
public sealed partial class MeasurementStore : IMeasurementSink
{
    private static readonly TimeSpan _firstRetry = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan _lastRetry = TimeSpan.FromSeconds(10);

    private readonly IBulkMeasurementWriter _writer;
    private readonly PipelineMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<MeasurementStore> _logger;

    internal MeasurementStore(IBulkMeasurementWriter writer, PipelineMetrics metrics, TimeProvider timeProvider, ILogger<MeasurementStore> logger)
    {
        _writer = writer;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public string Name => "storage";

    public async ValueTask WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
    {
        var delay = _firstRetry;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _writer.WriteAsync(batch, cancellationToken);
                _metrics.RecordStored(batch.Count);
                if (attempt > 1)
                {
                    _metrics.ClearSinkError(Name);
                    LogRecovered(batch.Count, attempt);
                }

                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                _metrics.RecordSinkError(Name, ex);
                LogRetrying(batch.Count, attempt, delay.TotalSeconds, ex);
                await Task.Delay(delay, _timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _lastRetry.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing {Count} readings failed (attempt {Attempt}); retrying in {Seconds:0.##} s")]
    private partial void LogRetrying(int count, int attempt, double seconds, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Storage is back: {Count} readings stored after {Attempt} attempts")]
    private partial void LogRecovered(int count, int attempt);
}
