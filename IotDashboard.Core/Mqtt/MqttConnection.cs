using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Core.Mqtt;

/// <summary>How one connection logs in and what it does once connected.</summary>
internal sealed class MqttConnectionSetup
{
    public required string Name { get; init; }

    public required string ClientId { get; init; }

    /// <summary>Builds the client options for one attempt; may throw <see cref="CertificateException"/>.</summary>
    public required Func<TlsDiagnostics, MqttClientOptions> BuildOptions { get; init; }

    public IReadOnlyList<string> Subscriptions { get; init; } = [];

    /// <summary>Messages to send first on every new session (SmartREST start-up), after subscribing.</summary>
    public Func<IReadOnlyList<MqttOutgoing>>? SessionStart { get; init; }

    /// <summary>Called from MQTTnet's receive loop: must only hand the message on, never block.</summary>
    public Action<string, string>? OnMessage { get; init; }

    /// <summary>SmartREST: consecutive queued messages to one topic are joined with line breaks, up to 16,184 bytes.</summary>
    public bool PackLines { get; init; }

    public MqttQualityOfServiceLevel Qos { get; init; } = MqttQualityOfServiceLevel.AtLeastOnce;
}

/// <summary>
/// One MQTT connection with one owner loop that does everything in turn: connect, subscribe, publish the
/// control lane (operation answers) then the disk queue, ping when idle, reconnect with exponential back-off and
/// jitter, and disconnect cleanly at the end. Nothing else touches the client, so connect and publish never race,
/// and MQTTnet's disconnected handler only wakes the loop.
/// </summary>
internal sealed partial class MqttConnection : IAsyncDisposable
{
    private const int BatchSize = 500;
    private const int PublishWindow = 64;
    private const int RefusalsBeforeGivingUp = 2;
    private static readonly TimeSpan _refusedRetry = TimeSpan.FromMinutes(15);

    private readonly MqttConnectionSetup _setup;
    private readonly MqttOptions _options;
    private readonly MqttDiskQueue _queue;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentQueue<MqttOutgoing> _control = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private IMqttClient? _client;
    private Task? _loop;
    private long _published;
    private long _failed;
    private long _droppedOversized;
    private volatile MqttConnectionState _state = MqttConnectionState.Stopped;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;
    private DateTimeOffset? _lastPublishAt;
    private DateTimeOffset? _connectedSince;
    private long _lastActivity = Stopwatch.GetTimestamp();

    public MqttConnection(MqttConnectionSetup setup, MqttOptions options, MqttDiskQueue queue, TimeProvider time, ILogger logger)
    {
        _setup = setup;
        _options = options;
        _queue = queue;
        _time = time;
        _logger = logger;
    }

    public string ClientId => _setup.ClientId;

    public MqttDiskQueue Queue => _queue;

    public MqttConnectionState State => _state;

    public void Start() => _loop ??= Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Readings: written to the disk queue first, sent in order by the loop.</summary>
    public void EnqueueData(IReadOnlyList<MqttOutgoing> messages)
    {
        _queue.Enqueue(messages);
        Wake();
    }

    /// <summary>Operation answers and child registrations: sent before the queued readings, kept in memory.</summary>
    public void EnqueueControl(MqttOutgoing message)
    {
        _control.Enqueue(message);
        Wake();
    }

    public void RecordError(string message)
    {
        _lastError = message;
        _lastErrorAt = _time.GetUtcNow();
    }

    public MqttConnectionStatus Status() => new(
        _setup.Name, _setup.ClientId, _state, _queue.Count + _control.Count, Interlocked.Read(ref _published), Interlocked.Read(ref _failed),
        _queue.Dropped + Interlocked.Read(ref _droppedOversized), _lastError, _lastErrorAt, _lastPublishAt, _connectedSince);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                LogSlowStop(_setup.ClientId);
            }
        }

        _client?.Dispose();
        _stop.Dispose();
    }

    private void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        var refusals = 0;
        var pingInterval = TimeSpan.FromSeconds(Math.Max(1, _options.KeepAliveSeconds / 2.0));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_client is not { IsConnected: true })
                {
                    var (connected, refused) = await ConnectAsync(cancellationToken);
                    if (!connected)
                    {
                        failures++;
                        refusals = refused ? refusals + 1 : 0;
                        if (refusals >= RefusalsBeforeGivingUp)
                        {
                            // Do not hammer a broker that said "bad credentials" or "not authorised".
                            _state = MqttConnectionState.Refused;
                            RecordError(_lastError + " — not retrying; check the credentials or certificate and save the settings.");
                            await Task.Delay(_refusedRetry, _time, cancellationToken);
                            refusals = 0;
                            continue;
                        }

                        await Task.Delay(Backoff(failures), _time, cancellationToken);
                        continue;
                    }

                    failures = 0;
                    refusals = 0;
                }

                if (await PumpAsync(cancellationToken))
                {
                    continue;
                }

                var woken = await _signal.WaitAsync(pingInterval, cancellationToken);
                if (!woken && _client is { IsConnected: true } client && Stopwatch.GetElapsedTime(_lastActivity) >= pingInterval)
                {
                    // The timer that notices a dead connection; the loop reconnects on its next turn.
                    if (!await client.TryPingAsync(cancellationToken))
                    {
                        Lost("Ping failed: the broker did not answer.");
                    }
                    else
                    {
                        _lastActivity = Stopwatch.GetTimestamp();
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Interlocked.Increment(ref _failed);
                Lost(MqttClientSetup.DescribeException(ex, new TlsDiagnostics(), _options));
                failures++;
                try
                {
                    await Task.Delay(Backoff(failures), _time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        await DisconnectCleanlyAsync();
    }

    private async Task<(bool Connected, bool Refused)> ConnectAsync(CancellationToken cancellationToken)
    {
        _state = MqttConnectionState.Connecting;
        _client?.Dispose();
        _client = null;
        var diagnostics = new TlsDiagnostics();
        MqttClientOptions clientOptions;
        try
        {
            clientOptions = _setup.BuildOptions(diagnostics);
        }
        catch (CertificateException ex)
        {
            Failed(ex.Message);
            return (false, true);
        }

        var client = new MqttClientFactory().CreateMqttClient();
        client.DisconnectedAsync += _ =>
        {
            Wake();
            return Task.CompletedTask;
        };
        if (_setup.OnMessage is { } onMessage)
        {
            client.ApplicationMessageReceivedAsync += e =>
            {
                onMessage(e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? string.Empty);
                return Task.CompletedTask;
            };
        }

        try
        {
            var result = await client.ConnectAsync(clientOptions, cancellationToken);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                client.Dispose();
                Failed(MqttClientSetup.DescribeConnack(result));
                return (false, MqttClientSetup.IsRefusal(result.ResultCode));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            throw;
        }
        catch (Exception ex)
        {
            client.Dispose();
            Failed(MqttClientSetup.DescribeException(ex, diagnostics, _options));
            return (false, diagnostics.Failure is not null);
        }

        _client = client;
        foreach (var topic in _setup.Subscriptions)
        {
            await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
        }

        if (_setup.SessionStart?.Invoke() is { } startup)
        {
            foreach (var message in Pack(startup))
            {
                await PublishAsync(client, message.Topic, message.Payload, cancellationToken);
            }
        }

        _state = MqttConnectionState.Connected;
        _connectedSince = _time.GetUtcNow();
        _lastError = null;
        LogConnected(_setup.ClientId, _options.Host, _options.EffectivePort);
        return (true, false);
    }

    /// <summary>Sends the control lane, then one batch from the queue. False when there was nothing to send.</summary>
    private async Task<bool> PumpAsync(CancellationToken cancellationToken)
    {
        var client = _client!;
        var worked = false;
        while (_control.TryPeek(out var control))
        {
            await PublishAsync(client, control.Topic, control.Payload, cancellationToken);
            _control.TryDequeue(out _);
            worked = true;
        }

        var batch = _queue.Peek(BatchSize);
        if (batch.Count == 0)
        {
            return worked;
        }

        // Up to PublishWindow messages in flight (QoS 1 acknowledgements overlap); MQTTnet sends them in call
        // order on the one connection, and the queue is committed strictly in order as acknowledgements arrive,
        // so a failure re-sends only what was not acknowledged.
        var inFlight = new Queue<(Task Publish, QueuedMessage Last, int Count)>();
        try
        {
            var start = 0;
            while (start < batch.Count)
            {
                var (end, payload) = NextMessage(batch, start);
                if (payload is null)
                {
                    Interlocked.Increment(ref _droppedOversized);
                    RecordError($"A message to {batch[start].Topic} exceeded {SmartRest.MaxMessageBytes} bytes and was dropped.");
                    inFlight.Enqueue((Task.CompletedTask, batch[end - 1], 0));
                }
                else
                {
                    inFlight.Enqueue((PublishAsync(client, batch[start].Topic, payload, cancellationToken), batch[end - 1], end - start));
                }

                if (inFlight.Count >= PublishWindow)
                {
                    await CompleteAsync(inFlight.Dequeue());
                }

                start = end;
            }

            while (inFlight.Count > 0)
            {
                await CompleteAsync(inFlight.Dequeue());
            }
        }
        finally
        {
            _queue.SaveCursor();
            while (inFlight.Count > 0)
            {
                try
                {
                    await inFlight.Dequeue().Publish; // observe; not committed, so it is sent again
                }
                catch (Exception)
                {
                }
            }
        }

        return true;

        async Task CompleteAsync((Task Publish, QueuedMessage Last, int Count) item)
        {
            await item.Publish;
            _queue.Commit(item.Last);
            Interlocked.Add(ref _published, item.Count);
        }
    }

    /// <summary>The queued messages from <paramref name="start"/> that go out as one MQTT message.</summary>
    private (int End, string? Payload) NextMessage(IReadOnlyList<QueuedMessage> batch, int start)
    {
        var first = batch[start];
        var bytes = Encoding.UTF8.GetByteCount(first.Payload);
        if (!_setup.PackLines)
        {
            return (start + 1, first.Payload);
        }

        if (bytes > SmartRest.MaxMessageBytes)
        {
            return (start + 1, null);
        }

        var end = start + 1;
        StringBuilder? joined = null;
        while (end < batch.Count && batch[end].Topic == first.Topic)
        {
            var next = Encoding.UTF8.GetByteCount(batch[end].Payload);
            if (bytes + 1 + next > SmartRest.MaxMessageBytes)
            {
                break;
            }

            joined ??= new StringBuilder(first.Payload, SmartRest.MaxMessageBytes);
            joined.Append('\n').Append(batch[end].Payload);
            bytes += 1 + next;
            end++;
        }

        return (end, joined?.ToString() ?? first.Payload);
    }

    private IEnumerable<MqttOutgoing> Pack(IReadOnlyList<MqttOutgoing> messages)
    {
        if (!_setup.PackLines)
        {
            return messages;
        }

        return messages.GroupBy(m => m.Topic).SelectMany(g => SmartRest.Pack(g.Select(m => m.Payload)).Select(p => new MqttOutgoing(g.Key, p)));
    }

    private async Task PublishAsync(IMqttClient client, string topic, string payload, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(_setup.Qos)
            .Build();
        var result = await client.PublishAsync(message, cancellationToken);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"The broker did not accept a message to {topic}: {result.ReasonCode} {result.ReasonString}");
        }

        _lastActivity = Stopwatch.GetTimestamp();
        _lastPublishAt = _time.GetUtcNow();
    }

    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 20);
        var delay = Math.Min(_options.ReconnectMaxDelayMs, _options.ReconnectMinDelayMs * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(delay * (0.8 + 0.4 * Random.Shared.NextDouble())); // ±20 % jitter spreads a fleet's reconnects
    }

    private void Failed(string message)
    {
        Interlocked.Increment(ref _failed);
        _state = MqttConnectionState.Disconnected;
        _connectedSince = null;
        if (message != _lastError)
        {
            LogConnectFailed(_setup.ClientId, message);
        }

        RecordError(message);
    }

    private void Lost(string message)
    {
        _state = MqttConnectionState.Disconnected;
        _connectedSince = null;
        RecordError(message);
        LogLost(_setup.ClientId, message);
        _client?.Dispose();
        _client = null;
    }

    private async Task DisconnectCleanlyAsync()
    {
        _queue.SaveCursor();
        if (_client is { IsConnected: true } client)
        {
            try
            {
                // A normal DISCONNECT: the broker discards the last will.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token);
            }
            catch (Exception ex)
            {
                LogLost(_setup.ClientId, ex.Message);
            }
        }

        _state = MqttConnectionState.Stopped;
        _connectedSince = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT {ClientId} connected to {Host}:{Port}")]
    private partial void LogConnected(string clientId, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT {ClientId} could not connect: {Reason}")]
    private partial void LogConnectFailed(string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT {ClientId} lost its connection: {Reason}")]
    private partial void LogLost(string clientId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT {ClientId} did not stop within 10 s")]
    private partial void LogSlowStop(string clientId);
}
