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
    /// <summary>
    /// Queue entries read at a time, at least; within a batch a topic's lines share messages. With a backlog the
    /// batch grows to the backlog (up to <see cref="MaxBatchSize"/>), so that a gateway with thousands of children
    /// packs several readings per child into one message and catches up instead of falling further behind.
    /// </summary>
    private const int BatchSize = 2_000;

    private const int MaxBatchSize = 100_000;

    /// <summary>MQTT messages published and not yet acknowledged, at most.</summary>
    private const int PublishWindow = 512;
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
    private int _batchesSinceCursor;

    /// <summary>Entries after the committed head that the broker acknowledged (owner loop only).</summary>
    private readonly HashSet<long> _acknowledged = [];

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

    /// <summary>
    /// Sends the control lane, then the disk queue until it is empty, keeping up to <see cref="PublishWindow"/>
    /// messages in flight all the way (QoS 1 acknowledgements overlap; reading the next batch does not wait for
    /// the previous one to be acknowledged). False when there was nothing to send.
    /// </summary>
    /// <remarks>
    /// SmartREST (<see cref="MqttConnectionSetup.PackLines"/>): within a batch read from the queue, the lines of
    /// one topic — one device, or one gateway child — are joined into as few messages as fit 16,184 bytes, in
    /// their order. With no backlog that is one reading per message; when the queue has a backlog (after an
    /// outage, or when the fleet outruns the connection), a child's readings share messages and the connection
    /// catches up. The queue is committed in its own order as acknowledgements arrive; an entry that was
    /// acknowledged while an earlier one was not is remembered and not sent again after a reconnect, so a
    /// disconnect repeats only messages that were really unacknowledged (at-least-once) and every device's lines
    /// still arrive in order.
    /// </remarks>
    private async Task<bool> PumpAsync(CancellationToken cancellationToken)
    {
        var client = _client!;
        var worked = false;
        var inFlight = new Queue<InFlight>();
        var batches = new Queue<PendingBatch>();
        QueuedMessage? readTo = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var entries = _queue.PeekAfter(readTo, (int)Math.Clamp(_queue.CountAfter(readTo), BatchSize, MaxBatchSize));

                // The control lane after the peek, not before it: a new child's 101 is queued before its first
                // reading, so whatever this batch holds, the registration it depends on goes (and is acknowledged) first.
                worked |= await SendControlAsync(client, cancellationToken);
                if (entries.Count == 0)
                {
                    break;
                }

                worked = true;
                readTo = entries[^1];
                var batch = new PendingBatch(entries);
                batches.Enqueue(batch);
                foreach (var message in Messages(batch))
                {
                    inFlight.Enqueue(message.Payload is null
                        ? message with { Publish = Task.CompletedTask }
                        : message with { Publish = PublishAsync(client, message.Topic, message.Payload, cancellationToken) });
                    while (inFlight.Count >= PublishWindow)
                    {
                        await CompleteAsync(inFlight.Dequeue(), batches);
                    }
                }

                Advance(batches); // entries that were acknowledged before a reconnect and are not sent again
            }

            while (inFlight.Count > 0)
            {
                await CompleteAsync(inFlight.Dequeue(), batches);
            }
        }
        finally
        {
            // Acknowledged behind an unacknowledged entry: remembered, so that the next turn does not send them again.
            foreach (var batch in batches)
            {
                for (var i = batch.Committed; i < batch.Entries.Count; i++)
                {
                    if (batch.Acked[i])
                    {
                        _acknowledged.Add(batch.Entries[i].Sequence);
                    }
                }
            }

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

        return worked;
    }

    /// <summary>
    /// The control lane (child registrations, operation answers), before any further queued reading. SmartREST:
    /// a topic's lines are packed into shared messages in their order; the session's own topic (<c>s/us</c>, where a
    /// gateway creates its children with <c>101</c>) goes first and is acknowledged before the children's lines are
    /// published, those then up to <see cref="PublishWindow"/> in flight — a gateway registers thousands of
    /// children in seconds instead of one acknowledged message at a time.
    /// </summary>
    private async Task<bool> SendControlAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        if (_control.IsEmpty)
        {
            return false;
        }

        var taken = new List<MqttOutgoing>();
        while (_control.TryDequeue(out var control))
        {
            taken.Add(control);
        }

        try
        {
            if (!_setup.PackLines)
            {
                foreach (var message in taken)
                {
                    await PublishAsync(client, message.Topic, message.Payload, cancellationToken);
                }

                return true;
            }

            var session = taken.Where(m => m.Topic == SmartRest.UpTopic).Select(m => m.Payload);
            foreach (var payload in SmartRest.Pack(session))
            {
                await PublishAsync(client, SmartRest.UpTopic, payload, cancellationToken);
            }

            var window = new Queue<Task>();
            foreach (var group in taken.Where(m => m.Topic != SmartRest.UpTopic).GroupBy(m => m.Topic, StringComparer.Ordinal))
            {
                foreach (var payload in SmartRest.Pack(group.Select(m => m.Payload)))
                {
                    window.Enqueue(PublishAsync(client, group.Key, payload, cancellationToken));
                    if (window.Count >= PublishWindow)
                    {
                        await window.Dequeue();
                    }
                }
            }

            while (window.Count > 0)
            {
                await window.Dequeue();
            }

            taken.Clear();
            return true;
        }
        finally
        {
            if (taken.Count > 0)
            {
                // Not (all) acknowledged: the whole lane again, in front of anything queued meanwhile (at-least-once).
                var later = new List<MqttOutgoing>();
                while (_control.TryDequeue(out var control))
                {
                    later.Add(control);
                }

                foreach (var message in taken.Concat(later))
                {
                    _control.Enqueue(message);
                }
            }
        }
    }

    private async Task CompleteAsync(InFlight message, Queue<PendingBatch> batches)
    {
        await message.Publish;
        var batch = message.Batch;
        foreach (var index in message.Entries)
        {
            batch.Acked[index] = true;
        }

        if (message.Payload is not null)
        {
            Interlocked.Add(ref _published, message.Entries.Length);
        }

        Advance(batches);
    }

    /// <summary>Commits the queue up to the first entry not acknowledged yet.</summary>
    private void Advance(Queue<PendingBatch> batches)
    {
        while (batches.TryPeek(out var batch))
        {
            var from = batch.Committed;
            while (batch.Committed < batch.Entries.Count && batch.Acked[batch.Committed])
            {
                batch.Committed++;
            }

            if (batch.Committed > from)
            {
                _queue.Commit(batch.Entries[batch.Committed - 1]);
                for (var i = from; i < batch.Committed && _acknowledged.Count > 0; i++)
                {
                    _acknowledged.Remove(batch.Entries[i].Sequence);
                }
            }

            if (batch.Committed < batch.Entries.Count)
            {
                return;
            }

            batches.Dequeue();
            if (++_batchesSinceCursor >= 8)
            {
                _queue.SaveCursor();
                _batchesSinceCursor = 0;
            }
        }
    }

    /// <summary>The MQTT messages for one batch read from the queue (see <see cref="PumpAsync"/>).</summary>
    private List<InFlight> Messages(PendingBatch batch)
    {
        var entries = batch.Entries;
        var messages = new List<InFlight>();
        if (_acknowledged.Count > 0 && entries.Count > 0)
        {
            _acknowledged.RemoveWhere(sequence => sequence < entries[0].Sequence); // dropped (queue full) meanwhile
        }

        if (!_setup.PackLines)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                if (_acknowledged.Contains(entries[i].Sequence))
                {
                    batch.Acked[i] = true;
                    continue;
                }

                messages.Add(new InFlight(null!, batch, [i], entries[i].Topic, entries[i].Payload));
            }

            return messages;
        }

        // Topic → the message being filled for it (its index in 'groups'); groups in order of first appearance.
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<(string Topic, List<int> Entries, int Bytes)>();
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (_acknowledged.Contains(entry.Sequence))
            {
                batch.Acked[i] = true;
                continue;
            }

            var bytes = Encoding.UTF8.GetByteCount(entry.Payload);
            if (bytes > SmartRest.MaxMessageBytes)
            {
                Interlocked.Increment(ref _droppedOversized);
                RecordError($"A message to {entry.Topic} exceeded {SmartRest.MaxMessageBytes} bytes and was dropped.");
                messages.Add(new InFlight(null!, batch, [i], entry.Topic, null));
                continue;
            }

            if (open.TryGetValue(entry.Topic, out var g) && groups[g].Bytes + 1 + bytes <= SmartRest.MaxMessageBytes)
            {
                groups[g].Entries.Add(i);
                groups[g] = groups[g] with { Bytes = groups[g].Bytes + 1 + bytes };
                continue;
            }

            open[entry.Topic] = groups.Count;
            groups.Add((entry.Topic, [i], bytes));
        }

        foreach (var (topic, indexes, bytes) in groups)
        {
            string payload;
            if (indexes.Count == 1)
            {
                payload = entries[indexes[0]].Payload;
            }
            else
            {
                var joined = new StringBuilder(bytes);
                foreach (var index in indexes)
                {
                    if (joined.Length > 0)
                    {
                        joined.Append('\n');
                    }

                    joined.Append(entries[index].Payload);
                }

                payload = joined.ToString();
            }

            messages.Add(new InFlight(null!, batch, [.. indexes], topic, payload));
        }

        return messages;
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

    /// <summary>A batch read from the queue: which entries were acknowledged, how far it is committed.</summary>
    private sealed class PendingBatch(IReadOnlyList<QueuedMessage> entries)
    {
        public IReadOnlyList<QueuedMessage> Entries { get; } = entries;

        public bool[] Acked { get; } = new bool[entries.Count];

        public int Committed { get; set; }
    }

    /// <summary>One MQTT message: its publish, and the queue entries it carries (Payload null: dropped as oversized).</summary>
    private sealed record InFlight(Task Publish, PendingBatch Batch, int[] Entries, string Topic, string? Payload);
}
