using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using MQTTnet.Protocol;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Core.Mqtt;

/// <summary>
/// The connections for one set of settings: one per device (Cumulocity per-device sessions) or one for all
/// (Cumulocity gateway, generic JSON). Turns readings into messages for their connection's queue, keeps the
/// fleet in step with <see cref="DeviceManager"/>, and executes operations one at a time per connection.
/// Replaced as a whole when the settings change.
/// </summary>
internal sealed partial class MqttRuntime : IAsyncDisposable
{
    private const string ExecutingFile = "executing";

    private readonly MqttOptions _options;
    private readonly string _queueRoot;
    private readonly DeviceManager _devices;
    private readonly CumulocityOperations _operations;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _fleetGate = new(1, 1);
    private readonly Dictionary<int, DeviceEntry> _byId = [];
    private readonly Dictionary<string, DeviceEntry> _byExternalId = new(StringComparer.Ordinal);
    private readonly List<Task> _workers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2Collection? _ca;
    private readonly string? _certificateError;
    private readonly MqttConnection? _shared;
    private readonly Channel<(CumulocityOperation Operation, DeviceEntry? Entry)>? _sharedOperations;

    public MqttRuntime(MqttOptions options, string queueRoot, DeviceManager devices, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options;
        _queueRoot = queueRoot;
        _devices = devices;
        _operations = new CumulocityOperations(devices);
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<MqttRuntime>();
        try
        {
            _ca = MqttCertificates.LoadCa(options);
        }
        catch (CertificateException ex)
        {
            _certificateError = ex.Message;
        }

        if (options.Mode == MqttMode.Generic)
        {
            _shared = CreateConnection("Generic broker", options.GatewayId, MqttCertificates.LoadClient, null, lastWill: false, packLines: false, null, null);
        }
        else if (options.CumulocitySessionMode == CumulocitySessionMode.Gateway)
        {
            _sharedOperations = Channel.CreateUnbounded<(CumulocityOperation, DeviceEntry?)>(new UnboundedChannelOptions { SingleReader = true });
            var gatewayId = options.GatewayId;
            MqttConnection? connection = null;
            connection = CreateConnection(
                "Gateway " + gatewayId, "d:" + gatewayId, MqttCertificates.LoadClient, () => GatewaySessionStart(connection!), lastWill: true, packLines: true,
                [SmartRest.DownTopic, SmartRest.ErrorTopic], (topic, payload) => OnMessage(connection!, null, topic, payload));
            _shared = connection;
        }
    }

    private bool Gateway => _options.Mode == MqttMode.Cumulocity && _options.CumulocitySessionMode == CumulocitySessionMode.Gateway;

    private bool PerDevice => _options.Mode == MqttMode.Cumulocity && _options.CumulocitySessionMode == CumulocitySessionMode.PerDevice;

    public void Start()
    {
        _shared?.Start();
        if (_sharedOperations is not null)
        {
            _workers.Add(Task.Run(() => OperationLoopAsync(_shared!, _sharedOperations.Reader, _stop.Token)));
        }
    }

    public IReadOnlyList<MqttConnectionStatus> Status()
    {
        var list = new List<MqttConnectionStatus>();
        if (_shared is not null)
        {
            list.Add(_shared.Status());
        }

        lock (_lock)
        {
            list.AddRange(_byId.Values.Where(e => e.Connection is not null).Select(e => e.Connection!.Status()));
        }

        return list;
    }

    /// <summary>Brings the connections in step with the fleet: new devices, renamed, deleted, started or stopped.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        await _fleetGate.WaitAsync(cancellationToken);
        try
        {
            var fleet = _devices.List();
            var seen = new HashSet<int>();
            foreach (var view in fleet)
            {
                seen.Add(view.Id);
                var entry = Find(view.Id) ?? Add(view);
                if (entry is null)
                {
                    continue;
                }

                if (entry.Device.Name != view.Name || entry.Device.SiteId != view.SiteId)
                {
                    entry.Device = entry.Device with { Name = view.Name, SiteId = view.SiteId };
                }

                if (entry.Running != view.Running)
                {
                    EmitStartStop(entry, view.Running);
                }
            }

            List<DeviceEntry> removed;
            lock (_lock)
            {
                removed = [.. _byId.Values.Where(e => !seen.Contains(e.Device.Id))];
                foreach (var entry in removed)
                {
                    _byId.Remove(entry.Device.Id);
                    _byExternalId.Remove(entry.Device.ExternalId);
                }
            }

            foreach (var entry in removed)
            {
                if (entry.Connection is { } connection)
                {
                    await connection.DisposeAsync();
                    connection.Queue.Delete();
                }
            }
        }
        finally
        {
            _fleetGate.Release();
        }
    }

    /// <summary>Encodes a batch of readings and appends them to their connections' queues (one file append per connection).</summary>
    public void Publish(IReadOnlyList<Measurement> batch)
    {
        var byConnection = new Dictionary<MqttConnection, List<MqttOutgoing>>();
        foreach (var measurement in batch)
        {
            var entry = Find(measurement.DeviceId);
            if (entry is null && _devices.Get(measurement.DeviceId) is { } view)
            {
                entry = Add(view);
            }

            var connection = entry?.Connection ?? _shared;
            if (entry is null || connection is null)
            {
                continue;
            }

            if (!byConnection.TryGetValue(connection, out var messages))
            {
                byConnection[connection] = messages = [];
            }

            if (_options.Mode == MqttMode.Generic)
            {
                messages.Add(new MqttOutgoing(GenericJsonEncoder.Topic(_options.TopicTemplate, entry.Device), GenericJsonEncoder.Payload(entry.Device, measurement)));
                continue;
            }

            var topic = entry.Topic;
            foreach (var payload in SmartRest.Pack(CumulocityEncoder.MeasurementLines(entry.Device.Type, measurement)))
            {
                messages.Add(new MqttOutgoing(topic, payload));
            }
        }

        foreach (var (connection, messages) in byConnection)
        {
            connection.EnqueueData(messages);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _sharedOperations?.Writer.TryComplete();
        List<MqttConnection> connections;
        lock (_lock)
        {
            connections = [.. _byId.Values.Select(e => e.Connection).OfType<MqttConnection>()];
            foreach (var entry in _byId.Values)
            {
                entry.Operations?.Writer.TryComplete();
            }
        }

        if (_shared is not null)
        {
            connections.Add(_shared);
        }

        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        try
        {
            await Task.WhenAll(_workers).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        _stop.Dispose();
    }

    private DeviceEntry? Find(int id)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    private DeviceEntry? Add(DeviceView view)
    {
        if (!_devices.Types.TryGet(view.TypeId, out var type))
        {
            return null;
        }

        var device = new MqttDevice(view.Id, view.ExternalId, view.Name, type, view.SiteId);
        var entry = new DeviceEntry(device, Gateway ? SmartRest.ChildTopic(view.ExternalId) : SmartRest.UpTopic) { Running = view.Running };
        lock (_lock)
        {
            if (_byId.TryGetValue(view.Id, out var existing))
            {
                return existing;
            }

            _byId[view.Id] = entry;
            _byExternalId[view.ExternalId] = entry;
        }

        if (PerDevice)
        {
            entry.Operations = Channel.CreateUnbounded<(CumulocityOperation, DeviceEntry?)>(new UnboundedChannelOptions { SingleReader = true });
            MqttConnection? connection = null;
            connection = CreateConnection(
                device.Name, "d:" + device.ExternalId, o => MqttCertificates.LoadDevice(o, device.ExternalId), () => DeviceSessionStart(connection!, entry),
                lastWill: true, packLines: true, [SmartRest.DownTopic, SmartRest.ErrorTopic], (topic, payload) => OnMessage(connection!, entry, topic, payload));
            entry.Connection = connection;
            connection.Start();
            var reader = entry.Operations.Reader;
            lock (_lock)
            {
                _workers.Add(Task.Run(() => OperationLoopAsync(connection, reader, _stop.Token)));
            }
        }
        else if (Gateway)
        {
            Announce(entry);
        }

        return entry;
    }

    private MqttConnection CreateConnection(
        string name, string clientId, Func<MqttOptions, X509Certificate2Collection?> certificates, Func<IReadOnlyList<MqttOutgoing>>? sessionStart,
        bool lastWill, bool packLines, IReadOnlyList<string>? subscriptions, Action<string, string>? onMessage)
    {
        var options = _options;
        var ca = _ca;
        var certificateError = _certificateError;
        var setup = new MqttConnectionSetup
        {
            Name = name,
            ClientId = clientId,
            BuildOptions = diagnostics =>
            {
                if (certificateError is not null && options.UseTls)
                {
                    throw new CertificateException(certificateError);
                }

                var client = options.UseTls ? certificates(options) : null;
                return MqttClientSetup.Build(options, clientId, client, ca, diagnostics, lastWill);
            },
            Subscriptions = subscriptions ?? [],
            SessionStart = sessionStart,
            OnMessage = onMessage,
            PackLines = packLines,
            Qos = (MqttQualityOfServiceLevel)options.Qos,
        };
        var folder = Path.Combine(_queueRoot, Sanitize(options.Mode == MqttMode.Generic ? "generic-" + clientId : clientId));
        var queue = new MqttDiskQueue(folder, options.QueueCapacity);
        return new MqttConnection(setup, options, queue, _time, _loggers.CreateLogger<MqttConnection>());
    }

    private IReadOnlyList<MqttOutgoing> DeviceSessionStart(MqttConnection connection, DeviceEntry entry)
    {
        var messages = new List<MqttOutgoing>();
        messages.AddRange(CumulocityEncoder.StartupLines(entry.Device, _options.RequiredIntervalMinutes, child: false).Select(l => new MqttOutgoing(SmartRest.UpTopic, l)));
        if (_devices.Get(entry.Device.Id) is { } view)
        {
            messages.Add(new MqttOutgoing(SmartRest.UpTopic, CumulocityEncoder.ConfigurationLine(CumulocityOperations.ConfigurationText(view))));
        }

        messages.AddRange(TakeInterrupted(connection));
        return messages;
    }

    private IReadOnlyList<MqttOutgoing> GatewaySessionStart(MqttConnection connection)
    {
        var messages = new List<MqttOutgoing>();
        messages.AddRange(CumulocityEncoder.GatewayStartupLines(_options.GatewayId, _options.RequiredIntervalMinutes).Select(l => new MqttOutgoing(SmartRest.UpTopic, l)));
        List<DeviceEntry> children;
        lock (_lock)
        {
            children = [.. _byId.Values];
        }

        foreach (var child in children)
        {
            messages.AddRange(ChildRegistration(child));
            child.Announced = true;
        }

        messages.AddRange(TakeInterrupted(connection));
        return messages;
    }

    private List<MqttOutgoing> ChildRegistration(DeviceEntry child)
    {
        var messages = new List<MqttOutgoing> { new(SmartRest.UpTopic, CumulocityEncoder.ChildLine(child.Device)) };
        messages.AddRange(CumulocityEncoder.StartupLines(child.Device, _options.RequiredIntervalMinutes, child: true).Select(l => new MqttOutgoing(child.Topic, l)));
        if (_devices.Get(child.Device.Id) is { } view)
        {
            messages.Add(new MqttOutgoing(child.Topic, CumulocityEncoder.ConfigurationLine(CumulocityOperations.ConfigurationText(view))));
        }

        return messages;
    }

    /// <summary>A child that appeared after the gateway's session started: create it before its first reading.</summary>
    private void Announce(DeviceEntry entry)
    {
        if (_shared is null || entry.Announced)
        {
            return;
        }

        entry.Announced = true;
        foreach (var message in ChildRegistration(entry))
        {
            _shared.EnqueueControl(message);
        }
    }

    /// <summary>
    /// Called from MQTTnet's receive loop. On a plain broker every session sees every <c>s/ds</c> message, so only
    /// operations whose serial is ours (this device, or one of this gateway's children) are taken.
    /// </summary>
    private void OnMessage(MqttConnection connection, DeviceEntry? own, string topic, string payload)
    {
        if (topic == SmartRest.ErrorTopic)
        {
            var text = payload.Length > 300 ? payload[..300] + "…" : payload;
            connection.RecordError("Cumulocity error: " + text);
            LogPlatformError(connection.ClientId, text);
            return;
        }

        if (topic != SmartRest.DownTopic)
        {
            return;
        }

        foreach (var operation in CumulocityOperations.ParseOperations(payload))
        {
            if (own is not null)
            {
                if (operation.Serial == own.Device.ExternalId)
                {
                    own.Operations?.Writer.TryWrite((operation, own));
                }

                continue;
            }

            DeviceEntry? child;
            lock (_lock)
            {
                child = _byExternalId.GetValueOrDefault(operation.Serial);
            }

            if (child is not null || operation.Serial == _options.GatewayId)
            {
                _sharedOperations?.Writer.TryWrite((operation, child));
            }
        }
    }

    /// <summary>One operation at a time, in order: <c>501</c>, execute, then <c>503</c> or <c>502</c>.</summary>
    private async Task OperationLoopAsync(MqttConnection connection, ChannelReader<(CumulocityOperation Operation, DeviceEntry? Entry)> reader, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var (operation, entry) in reader.ReadAllAsync(cancellationToken))
            {
                var topic = entry?.Topic ?? SmartRest.UpTopic;
                connection.EnqueueControl(new MqttOutgoing(topic, SmartRest.Line("501", operation.Fragment)));
                MarkExecuting(connection, topic, operation.Fragment);
                OperationOutcome outcome;
                try
                {
                    if (entry is null)
                    {
                        outcome = OperationOutcome.Fail("The gateway itself takes no operations; send them to its child devices.");
                    }
                    else
                    {
                        await _fleetGate.WaitAsync(cancellationToken);
                        try
                        {
                            outcome = await _operations.ExecuteAsync(operation, entry.Device, running =>
                            {
                                EmitStartStop(entry, running);
                                return Task.CompletedTask;
                            }, cancellationToken);
                        }
                        finally
                        {
                            _fleetGate.Release();
                        }
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception ex)
                {
                    LogOperationFailed(ex, operation.Template, operation.Serial);
                    outcome = OperationOutcome.Fail("Internal error: " + ex.Message);
                }

                connection.EnqueueControl(new MqttOutgoing(topic, outcome switch
                {
                    { Success: true, Result: null or "" } => SmartRest.Line("503", operation.Fragment),
                    { Success: true } => SmartRest.Line("503", operation.Fragment, outcome.Result),
                    _ => SmartRest.Line("502", operation.Fragment, outcome.Reason),
                }));
                if (outcome.Success && entry is not null && operation.Template is "511" or "513" && _devices.Get(entry.Device.Id) is { } view)
                {
                    connection.EnqueueControl(new MqttOutgoing(topic, CumulocityEncoder.ConfigurationLine(CumulocityOperations.ConfigurationText(view))));
                }

                ClearExecuting(connection);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void EmitStartStop(DeviceEntry entry, bool running)
    {
        entry.Running = running;
        if (_options.Mode != MqttMode.Cumulocity || (entry.Connection ?? _shared) is not { } connection)
        {
            return;
        }

        var line = running
            ? CumulocityEncoder.EventLine(CumulocityEncoder.StartedEventType, "Device started", _time.GetUtcNow())
            : CumulocityEncoder.EventLine(CumulocityEncoder.StoppedEventType, "Device stopped", _time.GetUtcNow());
        connection.EnqueueData([new MqttOutgoing(entry.Topic, line)]);
    }

    // What was executing is written down, so that after a crash the next session fails it with 507.
    private static void MarkExecuting(MqttConnection connection, string topic, string fragment) =>
        File.WriteAllText(Path.Combine(connection.Queue.Folder, ExecutingFile), topic + "\t" + fragment);

    private static void ClearExecuting(MqttConnection connection) => File.Delete(Path.Combine(connection.Queue.Folder, ExecutingFile));

    private static IEnumerable<MqttOutgoing> TakeInterrupted(MqttConnection connection)
    {
        var path = Path.Combine(connection.Queue.Folder, ExecutingFile);
        if (!File.Exists(path))
        {
            return [];
        }

        var parts = File.ReadAllText(path).Split('\t');
        File.Delete(path);
        return parts.Length == 2 ? [new MqttOutgoing(parts[0], SmartRest.Line("507", parts[1]))] : [];
    }

    private static string Sanitize(string name) =>
        new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT {ClientId}: the platform reported an error: {Error}")]
    private partial void LogPlatformError(string clientId, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation {Template} for {Serial} failed")]
    private partial void LogOperationFailed(Exception exception, string template, string serial);

    private sealed class DeviceEntry(MqttDevice device, string topic)
    {
        public MqttDevice Device { get; set; } = device;

        /// <summary>Where this device's SmartREST lines go: <c>s/us</c> in its own session, <c>s/us/&lt;id&gt;</c> as a child.</summary>
        public string Topic { get; } = topic;

        public bool Running { get; set; }

        public bool Announced { get; set; }

        public MqttConnection? Connection { get; set; }

        public Channel<(CumulocityOperation, DeviceEntry?)>? Operations { get; set; }
    }
}
