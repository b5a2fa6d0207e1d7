using System.Diagnostics;
using System.Threading.Channels;
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

    /// <summary>
    /// Readings a sink may have queued before the pump waits for it: a sink that falls further behind holds the
    /// pipeline back (backpressure reaches the scheduler); below that, it does not hold back the other sinks.
    /// </summary>
    public const int MaxQueuedPerSink = 2 * MaxBatchSize;

    /// <summary>Runs until the channel is completed and empty. Public so the benchmark and tests drive it directly.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // One lane per sink: the live feed shows a reading while the storage writer is still busy with the
        // previous batch, and the storage writer gets what queued meanwhile as one large batch (one transaction).
        var lanes = _sinks.Select(sink => new Lane(this, sink)).ToArray();
        var tasks = lanes.Select(lane => Task.Run(() => lane.RunAsync(cancellationToken), CancellationToken.None)).ToArray();
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
                var batch = buffer.ToArray();
                foreach (var lane in lanes)
                {
                    await lane.EnqueueAsync(batch, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var lane in lanes)
            {
                lane.Complete();
            }

            await Task.WhenAll(tasks);
        }
    }

    /// <summary>The batches waiting for one sink, delivered in order, merged up to <see cref="MaxBatchSize"/>.</summary>
    private sealed class Lane(PipelinePump pump, IMeasurementSink sink)
    {
        private readonly Channel<Measurement[]> _queue = Channel.CreateUnbounded<Measurement[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        private TaskCompletionSource _room = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _queued;

        public async ValueTask EnqueueAsync(Measurement[] batch, CancellationToken cancellationToken)
        {
            while (true)
            {
                var room = Volatile.Read(ref _room); // before the check: a release after it completes this task
                if (Volatile.Read(ref _queued) < MaxQueuedPerSink)
                {
                    break;
                }

                await room.Task.WaitAsync(cancellationToken);
            }

            Interlocked.Add(ref _queued, batch.Length);
            _queue.Writer.TryWrite(batch);
        }

        public void Complete() => _queue.Writer.TryComplete();

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var reader = _queue.Reader;
            var merged = new List<Measurement>();
            try
            {
                while (await reader.WaitToReadAsync(cancellationToken))
                {
                    reader.TryRead(out var first);
                    var batch = first!;
                    if (reader.TryPeek(out var next) && batch.Length + next.Length <= MaxBatchSize)
                    {
                        merged.Clear();
                        merged.AddRange(batch);
                        while (reader.TryPeek(out next) && merged.Count + next.Length <= MaxBatchSize && reader.TryRead(out next))
                        {
                            merged.AddRange(next);
                        }

                        batch = merged.ToArray();
                    }

                    await pump.DeliverToAsync(sink, batch, cancellationToken);
                    Interlocked.Add(ref _queued, -batch.Length);
                    Interlocked.Exchange(ref _room, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
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
