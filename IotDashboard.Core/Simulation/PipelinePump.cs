using System.Diagnostics;
using IotDashboard.Core.Devices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Core.Simulation;

/// <summary>
/// Reads the pipeline in batches and hands each batch to every sink. At shutdown it keeps reading until the
/// scheduler has completed the channel, so every reading generated before the stop reaches the sinks.
/// </summary>
public sealed partial class PipelinePump(
    MeasurementPipeline pipeline,
    IEnumerable<IMeasurementSink> sinks,
    PipelineMetrics metrics,
    ILogger<PipelinePump> logger) : IHostedService
{
    /// <summary>Largest batch handed to the sinks at once.</summary>
    public const int MaxBatchSize = 20_000;

    private readonly IMeasurementSink[] _sinks = [.. sinks];
    private readonly CancellationTokenSource _abort = new();
    private Task? _loop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_abort.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            return;
        }

        // The scheduler stops first (it is registered after us) and completes the channel; drain what is left,
        // unless the host's shutdown timeout runs out.
        using var registration = cancellationToken.Register(_abort.Cancel);
        try
        {
            await _loop.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Shutdown timeout: {Count} readings were still in the pipeline", pipeline.QueueDepth);
        }
    }

    /// <summary>Runs until the channel is completed and empty. Public so the benchmark and tests drive it directly.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = pipeline.Reader;
        var buffer = new List<Measurement>(1024);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                buffer.Clear();
                while (buffer.Count < MaxBatchSize && reader.TryRead(out var measurement))
                {
                    buffer.Add(measurement);
                }

                // A fresh array per batch: sinks may keep items (not the list) after returning.
                await DeliverAsync(buffer.ToArray(), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(Measurement[] batch, CancellationToken cancellationToken)
    {
        if (_sinks.Length == 1)
        {
            await DeliverToAsync(_sinks[0], batch, cancellationToken);
            return;
        }

        var tasks = new Task[_sinks.Length];
        for (var i = 0; i < _sinks.Length; i++)
        {
            tasks[i] = DeliverToAsync(_sinks[i], batch, cancellationToken);
        }

        await Task.WhenAll(tasks);
    }

    private async Task DeliverToAsync(IMeasurementSink sink, Measurement[] batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await sink.WriteAsync(batch, cancellationToken);
            metrics.RecordSinkDelivered(sink.Name, batch.Length, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A sink that can afford to lose a batch (the live feed) ends up here; the storage writer retries inside.
            metrics.RecordSinkError(sink.Name, ex);
            LogSinkFailed(sink.Name, batch.Length, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Sink {Sink} failed on a batch of {Count} readings")]
    private partial void LogSinkFailed(string sink, int count, Exception error);
}
