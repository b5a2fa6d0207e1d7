using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Threading.Channels;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using MQTTnet;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Core.Mqtt;

/// <summary>
/// MQTT publishing as the app sees it: a pipeline sink that never blocks the pump (readings go to a bounded
/// in-memory hand-off, then to each connection's disk queue), the current connections, settings that apply
/// without a restart, "Test connection", and the status for the UI.
/// </summary>
public sealed partial class MqttService : IHostedService, IMeasurementSink, IAsyncDisposable
{
    /// <summary>Readings between the pump and the encoder; beyond it the oldest are dropped and counted.</summary>
    public const int HandOffCapacity = 200_000;

    private static readonly TimeSpan _reconcileInterval = TimeSpan.FromSeconds(1);

    private readonly MqttSettingsStore _store;
    private readonly DeviceManager _devices;
    private readonly MqttPaths _paths;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly Channel<Measurement> _handOff;
    private readonly SemaphoreSlim _applyGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private volatile MqttRuntime? _runtime;
    private volatile MqttOptions _current = new();
    private string? _problem;
    private bool _fromDatabase;
    private long _handOffDropped;
    private Task? _encoder;
    private Task? _reconciler;

    public MqttService(MqttSettingsStore store, DeviceManager devices, MqttPaths paths, TimeProvider time, ILoggerFactory loggers)
    {
        _store = store;
        _devices = devices;
        _paths = paths;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<MqttService>();
        _handOff = Channel.CreateBounded<Measurement>(
            new BoundedChannelOptions(HandOffCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _handOffDropped));
    }

    public string Name => "mqtt";

    /// <summary>Raised (on a background thread) after settings were applied.</summary>
    public event Action? SettingsApplied;

    public ValueTask WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
    {
        if (_current.Enabled)
        {
            foreach (var measurement in batch)
            {
                _handOff.Writer.TryWrite(measurement);
            }
        }

        return ValueTask.CompletedTask;
    }

    private int _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var loaded = await _store.LoadAsync(cancellationToken);
        _fromDatabase = loaded.FromDatabase;
        _problem = loaded.Problem;
        await ApplyAsync(loaded.Options, cancellationToken);
        _encoder = Task.Run(() => EncodeLoopAsync(_stop.Token), CancellationToken.None);
        _reconciler = Task.Run(() => ReconcileLoopAsync(_stop.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Idempotent: a test host (WebApplicationFactory with Kestrel) may stop the host again after disposing it.
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        // Registered before the pump, so this runs after the pump drained the pipeline: hand on what is left.
        // Even when the host's shutdown time is used up, the queues are closed cleanly (they are on disk anyway).
        _handOff.Writer.TryComplete();
        try
        {
            if (_encoder is not null)
            {
                await _encoder.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
        }
        catch (TimeoutException)
        {
            LogSlowStop();
        }

        await _stop.CancelAsync();
        if (_reconciler is not null)
        {
            await _reconciler.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }

        await ApplyAsync(new MqttOptions { Enabled = false }, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _stopped, 1);
        if (_runtime is { } runtime)
        {
            _runtime = null;
            await runtime.DisposeAsync();
        }

        // Cancelled, not disposed: a host being disposed while it is still stopping (WebApplicationFactory with
        // Kestrel does this) may still be inside StopAsync, which uses it. It holds no timer, so nothing leaks.
        await _stop.CancelAsync();
    }

    public MqttStatusSnapshot GetStatus()
    {
        var options = _current;
        var runtime = _runtime;
        if (!options.Enabled || runtime is null)
        {
            return MqttStatusSnapshot.Disabled with { Mode = options.Mode, SessionMode = options.CumulocitySessionMode, LastError = _problem };
        }

        var details = runtime.Status();
        var lastError = details.Where(d => d.LastError is not null && d.State != MqttConnectionState.Connected).OrderByDescending(d => d.LastErrorAt).FirstOrDefault()?.LastError
            ?? _problem;
        return new MqttStatusSnapshot(
            true, options.Mode, options.CumulocitySessionMode, $"{options.Host}:{options.EffectivePort}",
            details.Count, details.Count(d => d.State == MqttConnectionState.Connected),
            details.Sum(d => d.Queued) + _handOff.Reader.Count, details.Sum(d => d.Published), details.Sum(d => d.Failed),
            details.Sum(d => d.Dropped) + Interlocked.Read(ref _handOffDropped), lastError,
            details.Max(d => d.LastPublishAt), details);
    }

    public async Task<MqttSettingsView> GetSettingsAsync(CancellationToken cancellationToken = default)
    {
        var loaded = await _store.LoadAsync(cancellationToken);
        var options = loaded.Options;
        var view = options.Clone();
        view.Password = null;
        view.ClientPfxPassword = null;
        view.ClientKeyPem = null;
        view.ClientPfx = null;
        view.CaCertificatePem = null;
        view.ClientCertificatePem = null;
        return new MqttSettingsView(
            view,
            !string.IsNullOrEmpty(options.Password),
            !string.IsNullOrEmpty(options.ClientPfxPassword),
            !string.IsNullOrEmpty(options.ClientKeyPem) || options.ClientPfx is { Length: > 0 },
            TrySummarize(() => options.CaCertificatePem is { Length: > 0 } ca ? MqttCertificates.ParseCertificates(ca, "CA") : null),
            TrySummarize(() => options.ClientPfx is { Length: > 0 } pfx ? MqttCertificates.LoadPfx(pfx, options.ClientPfxPassword)
                : options.ClientCertificatePem is { Length: > 0 } pem ? MqttCertificates.ParseCertificates(pem, "Client certificate") : null),
            loaded.FromDatabase,
            loaded.Problem);
    }

    /// <summary>Validates, stores and applies the settings; returns the problems (empty when saved).</summary>
    public async Task<IReadOnlyList<string>> SaveSettingsAsync(MqttSettingsUpdate update, CancellationToken cancellationToken = default)
    {
        var current = (await _store.LoadAsync(cancellationToken)).Options;
        var (merged, errors) = Merge(current, update);
        if (errors.Count > 0)
        {
            return errors;
        }

        await _store.SaveAsync(merged, cancellationToken);
        _fromDatabase = true;
        _problem = null;
        await ApplyAsync(merged, cancellationToken);
        return [];
    }

    /// <summary>
    /// Connects once with the given settings (unsaved form values; stored secrets fill the gaps) and says
    /// precisely what happened: "Connected in 42 ms", "CONNACK 5: not authorised", "TLS handshake failed: …".
    /// </summary>
    public async Task<MqttTestResult> TestConnectionAsync(MqttSettingsUpdate update, CancellationToken cancellationToken = default)
    {
        var current = (await _store.LoadAsync(cancellationToken)).Options;
        var (options, errors) = Merge(current, update, forTest: true);
        if (errors.Count > 0)
        {
            return new MqttTestResult(false, string.Join(" ", errors), TimeSpan.Zero);
        }

        var started = Stopwatch.GetTimestamp();
        var diagnostics = new TlsDiagnostics();
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var (clientId, certificates) = TestIdentity(options);
            var ca = options.UseTls ? MqttCertificates.LoadCa(options) : null;
            var clientOptions = MqttClientSetup.Build(options, clientId, certificates, ca, diagnostics, lastWill: false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            var result = await client.ConnectAsync(clientOptions, timeout.Token);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return new MqttTestResult(false, MqttClientSetup.DescribeConnack(result), elapsed);
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
            var security = options.UseTls
                ? certificates is { Count: > 0 } ? " over TLS with client certificate " + certificates[0].GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false) : " over TLS"
                : " without TLS";
            return new MqttTestResult(true, $"Connected in {elapsed.TotalMilliseconds:0} ms{security} as {clientId}.", elapsed);
        }
        catch (CertificateException ex)
        {
            return new MqttTestResult(false, ex.Message, Stopwatch.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new MqttTestResult(false, $"No answer from {options.Host}:{options.EffectivePort} within 15 s.", Stopwatch.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new MqttTestResult(false, MqttClientSetup.DescribeException(ex, diagnostics, options), Stopwatch.GetElapsedTime(started));
        }
    }

    /// <summary>Replaces the running connections with ones for <paramref name="options"/>.</summary>
    internal async Task ApplyAsync(MqttOptions options, CancellationToken cancellationToken)
    {
        await _applyGate.WaitAsync(cancellationToken);
        try
        {
            var old = _runtime;
            _runtime = null;
            if (old is not null)
            {
                await old.DisposeAsync();
            }

            _current = options;
            if (options.Enabled)
            {
                var runtime = new MqttRuntime(options, _paths.QueueRoot(options), _devices, _time, _loggers);
                runtime.Start();
                await runtime.ReconcileAsync(cancellationToken);
                _runtime = runtime;
                LogApplied(options.Mode, options.CumulocitySessionMode, options.Host, options.EffectivePort);
            }
        }
        finally
        {
            _applyGate.Release();
        }

        SettingsApplied?.Invoke();
    }

    private static (MqttOptions Merged, List<string> Errors) Merge(MqttOptions current, MqttSettingsUpdate update, bool forTest = false)
    {
        var merged = update.Settings.Clone();
        var errors = new List<string>();
        var context = new ValidationContext(merged);
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(merged, context, results, validateAllProperties: true);
        errors.AddRange(results.Select(r => r.ErrorMessage ?? "Invalid value."));
        errors.AddRange(merged.ValidateCombination());
        if (forTest && string.IsNullOrWhiteSpace(merged.Host))
        {
            errors.Add("Broker host must be set.");
        }

        merged.Password = update.ClearPassword ? null : !string.IsNullOrEmpty(update.NewPassword) ? update.NewPassword : current.Password;
        merged.CaCertificatePem = update.RemoveCaCertificate ? null : update.CaCertificatePem ?? current.CaCertificatePem;
        if (update.RemoveClientCertificate)
        {
            merged.ClientCertificatePem = merged.ClientKeyPem = null;
            merged.ClientPfx = null;
            merged.ClientPfxPassword = null;
        }
        else if (update.ClientPfx is { Length: > 0 })
        {
            merged.ClientPfx = update.ClientPfx;
            merged.ClientPfxPassword = update.ClientPfxPassword;
            merged.ClientCertificatePem = merged.ClientKeyPem = null;
        }
        else if (update.ClientCertificatePem is not null || update.ClientKeyPem is not null)
        {
            merged.ClientCertificatePem = update.ClientCertificatePem ?? current.ClientCertificatePem;
            merged.ClientKeyPem = update.ClientKeyPem ?? current.ClientKeyPem;
            merged.ClientPfx = null;
            merged.ClientPfxPassword = null;
        }
        else
        {
            merged.ClientCertificatePem = current.ClientCertificatePem;
            merged.ClientKeyPem = current.ClientKeyPem;
            merged.ClientPfx = current.ClientPfx;
            merged.ClientPfxPassword = update.ClientPfxPassword ?? current.ClientPfxPassword;
        }

        // Uploaded certificates must be readable now, not at the first connect.
        try
        {
            MqttCertificates.LoadCa(merged);
            MqttCertificates.LoadClient(merged);
        }
        catch (CertificateException ex)
        {
            errors.Add(ex.Message);
        }

        return (merged, errors);
    }

    private (string ClientId, System.Security.Cryptography.X509Certificates.X509Certificate2Collection? Certificates) TestIdentity(MqttOptions options)
    {
        if (options.Mode == MqttMode.Generic)
        {
            return ($"{options.GatewayId}-test-{Guid.NewGuid():N}"[..Math.Min(options.GatewayId.Length + 14, 64)], options.UseTls ? MqttCertificates.LoadClient(options) : null);
        }

        if (options.CumulocitySessionMode == CumulocitySessionMode.PerDevice && !string.IsNullOrWhiteSpace(options.DeviceCertificateFolder)
            && _devices.List() is [var first, ..])
        {
            // With per-device certificates the CN must be the device's id, so test as the first device.
            return ("d:" + first.ExternalId, options.UseTls ? MqttCertificates.LoadDevice(options, first.ExternalId) : null);
        }

        return ("d:" + options.GatewayId, options.UseTls ? MqttCertificates.LoadClient(options) : null);
    }

    private static CertificateSummary? TrySummarize(Func<System.Security.Cryptography.X509Certificates.X509Certificate2Collection?> load)
    {
        try
        {
            return load() is { Count: > 0 } certificates ? MqttCertificates.Summarize(certificates) : null;
        }
        catch (CertificateException)
        {
            return null;
        }
    }

    private async Task EncodeLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _handOff.Reader;
        var batch = new List<Measurement>(1024);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                batch.Clear();
                while (batch.Count < 5000 && reader.TryRead(out var measurement))
                {
                    batch.Add(measurement);
                }

                // While settings are being applied the runtime is swapped: wait for the new one instead of dropping.
                await _applyGate.WaitAsync(CancellationToken.None);
                try
                {
                    _runtime?.Publish(batch);
                }
                catch (Exception ex)
                {
                    LogEncodeFailed(ex, batch.Count);
                }
                finally
                {
                    _applyGate.Release();
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_reconcileInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    if (_runtime is { } runtime)
                    {
                        await runtime.ReconcileAsync(cancellationToken);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogReconcileFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT applied: {Mode} ({SessionMode}) to {Host}:{Port}")]
    private partial void LogApplied(MqttMode mode, CumulocitySessionMode sessionMode, string host, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MQTT: readings still waiting to be encoded at shutdown are not queued")]
    private partial void LogSlowStop();

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT could not encode a batch of {Count} readings")]
    private partial void LogEncodeFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "MQTT could not bring its connections in step with the fleet")]
    private partial void LogReconcileFailed(Exception exception);
}

/// <summary>Where MQTT keeps files, resolved against the folder of the appsettings.json in use.</summary>
public sealed class MqttPaths(string baseDirectory)
{
    public string BaseDirectory { get; } = baseDirectory;

    public string Resolve(string path) => Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(BaseDirectory, path));

    public string QueueRoot(MqttOptions options) => Resolve(options.QueuePath);
}
