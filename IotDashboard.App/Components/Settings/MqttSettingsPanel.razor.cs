using System.Globalization;
using IotDashboard.Core.Mqtt;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace IotDashboard.App.Components.Settings;

/// <summary>
/// The MQTT part of the Settings page: the form (secrets are never loaded into it — "set new password" and
/// uploads replace them), certificate uploads with a size limit and readable parse errors, "Test connection",
/// and the status of every connection, refreshed every <see cref="RefreshInterval"/>.
/// </summary>
public sealed partial class MqttSettingsPanel : ComponentBase, IDisposable
{
    internal const int MaxRows = 200;

    private readonly CancellationTokenSource _stop = new();
    private MqttOptions? _settings;
    private MqttSettingsView? _view;
    private MqttStatusSnapshot _status = MqttStatusSnapshot.Disabled;
    private string? _loadError;
    private string? _newPassword;
    private bool _clearPassword;
    private string? _caPem;
    private CertificateSummary? _caUploaded;
    private bool _removeCa;
    private string? _clientCertificatePem;
    private string? _clientKeyPem;
    private byte[]? _pfx;
    private string? _pfxPassword;
    private CertificateSummary? _clientUploaded;
    private bool _removeClient;
    private List<string> _uploadErrors = [];
    private IReadOnlyList<string> _saveErrors = [];
    private MqttTestResult? _testResult;
    private bool _saved;
    private bool _busy;

    [Inject]
    public required MqttService Mqtt { get; init; }

    /// <summary>Saving and testing go through the admin gate; <see cref="Mqtt"/> is only read here.</summary>
    [Inject]
    public required Security.MqttAdminActions Admin { get; init; }

    [Parameter]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    private string CaText => _removeCa ? "System trust store"
        : _caUploaded?.ToString() ?? _view?.CaCertificate?.ToString()
        ?? (string.IsNullOrEmpty(_settings?.CaCertificatePath) ? "System trust store" : $"From file {_settings.CaCertificatePath}");

    private string ClientText => _removeClient ? "None"
        : _clientUploaded?.ToString() ?? (_clientCertificatePem is not null ? "Certificate uploaded; upload its key too." : null)
        ?? _view?.ClientCertificate?.ToString()
        ?? (string.IsNullOrEmpty(_settings?.ClientCertificatePath) && string.IsNullOrEmpty(_settings?.ClientPfxPath) ? "None" : "From the configuration file");

    private string SummaryText => !_status.Enabled
        ? "Not publishing."
        : string.Create(CultureInfo.CurrentCulture,
            $"{_status.Connected} of {_status.Connections} connected to {_status.Endpoint} · {_status.Published:N0} published · {_status.Queued:N0} queued · {_status.Failed:N0} failed · {_status.Dropped:N0} dropped{LastPublishText}");

    private string LastPublishText => _status.LastPublishAt is { } at
        ? string.Create(CultureInfo.CurrentCulture, $" · last publish {at.ToLocalTime():T}")
        : string.Empty;

    protected override async Task OnInitializedAsync()
    {
        _status = Mqtt.GetStatus();
        try
        {
            await LoadAsync();
        }
        catch (Exception ex)
        {
            _loadError = "The MQTT settings could not be loaded: " + ex.Message;
        }

        _ = RefreshLoopAsync(_stop.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

    private async Task LoadAsync()
    {
        _view = await Mqtt.GetSettingsAsync(_stop.Token);
        _settings = _view.Settings.Clone();
    }

    private MqttSettingsUpdate BuildUpdate() => new()
    {
        Settings = _settings!.Clone(),
        NewPassword = string.IsNullOrEmpty(_newPassword) ? null : _newPassword,
        ClearPassword = _clearPassword,
        CaCertificatePem = _caPem,
        RemoveCaCertificate = _removeCa,
        ClientCertificatePem = _clientCertificatePem,
        ClientKeyPem = _clientKeyPem,
        ClientPfx = _pfx,
        ClientPfxPassword = _pfxPassword,
        RemoveClientCertificate = _removeClient,
    };

    private async Task SaveAsync()
    {
        _busy = true;
        _saved = false;
        try
        {
            _saveErrors = await Admin.SaveSettingsAsync(BuildUpdate(), _stop.Token);
            if (_saveErrors.Count == 0)
            {
                _saved = true;
                _newPassword = _pfxPassword = _caPem = _clientCertificatePem = _clientKeyPem = null;
                _pfx = null;
                _caUploaded = _clientUploaded = null;
                _clearPassword = _removeCa = _removeClient = false;
                await LoadAsync();
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            _saveErrors = [ex.Message];
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task TestAsync()
    {
        _busy = true;
        _testResult = null;
        try
        {
            _testResult = await Admin.TestConnectionAsync(BuildUpdate(), _stop.Token);
        }
        catch (UnauthorizedAccessException ex)
        {
            _testResult = new MqttTestResult(false, ex.Message, TimeSpan.Zero);
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task UploadCaAsync(IBrowserFile file)
    {
        var text = await ReadTextAsync(file, "CA certificate");
        if (text is null)
        {
            return;
        }

        try
        {
            _caUploaded = MqttCertificates.Summarize(MqttCertificates.ParseCertificates(text, $"CA certificate {file.Name}"));
            _caPem = text;
            _removeCa = false;
        }
        catch (CertificateException ex)
        {
            _uploadErrors.Add(ex.Message);
        }
    }

    private async Task UploadClientCertificateAsync(IBrowserFile file)
    {
        var text = await ReadTextAsync(file, "Client certificate");
        if (text is null)
        {
            return;
        }

        try
        {
            MqttCertificates.ParseCertificates(text, $"Client certificate {file.Name}");
            _clientCertificatePem = text;
            _pfx = null;
            _removeClient = false;
            CheckClientPair();
        }
        catch (CertificateException ex)
        {
            _uploadErrors.Add(ex.Message);
        }
    }

    private async Task UploadClientKeyAsync(IBrowserFile file)
    {
        var text = await ReadTextAsync(file, "Client key");
        if (text is null)
        {
            return;
        }

        if (!text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            _uploadErrors.Add($"Client key {file.Name}: no PEM private key found (expected -----BEGIN PRIVATE KEY-----).");
            return;
        }

        _clientKeyPem = text;
        _pfx = null;
        _removeClient = false;
        CheckClientPair();
    }

    private async Task UploadPfxAsync(IBrowserFile file)
    {
        _uploadErrors.Clear();
        if (file.Size > MqttCertificates.MaxUploadBytes)
        {
            _uploadErrors.Add($"{file.Name} is {file.Size / 1024.0:0} KB; certificates are at most {MqttCertificates.MaxUploadBytes / 1024} KB.");
            return;
        }

        using var stream = new MemoryStream();
        await file.OpenReadStream(MqttCertificates.MaxUploadBytes, _stop.Token).CopyToAsync(stream, _stop.Token);
        _pfx = stream.ToArray();
        _clientCertificatePem = _clientKeyPem = null;
        _removeClient = false;
        try
        {
            // A password-protected file is checked once the password is entered (on Test or Save).
            _clientUploaded = MqttCertificates.Summarize(MqttCertificates.LoadPfx(_pfx, _pfxPassword));
        }
        catch (CertificateException)
        {
            _clientUploaded = null;
        }
    }

    private void CheckClientPair()
    {
        var certificate = _clientCertificatePem;
        var key = _clientKeyPem;
        if (certificate is null || key is null)
        {
            return;
        }

        try
        {
            _clientUploaded = MqttCertificates.Summarize(MqttCertificates.LoadPemPair(certificate, key));
        }
        catch (CertificateException ex)
        {
            _uploadErrors.Add(ex.Message);
            _clientUploaded = null;
        }
    }

    private async Task<string?> ReadTextAsync(IBrowserFile file, string what)
    {
        _uploadErrors.Clear();
        if (file.Size > MqttCertificates.MaxUploadBytes)
        {
            _uploadErrors.Add($"{what} {file.Name} is {file.Size / 1024.0:0} KB; certificates are at most {MqttCertificates.MaxUploadBytes / 1024} KB.");
            return null;
        }

        using var reader = new StreamReader(file.OpenReadStream(MqttCertificates.MaxUploadBytes, _stop.Token));
        return await reader.ReadToEndAsync(_stop.Token);
    }

    private static Color StateColor(MqttConnectionState state) => state switch
    {
        MqttConnectionState.Connected => Color.Success,
        MqttConnectionState.Refused => Color.Error,
        MqttConnectionState.Disconnected => Color.Warning,
        _ => Color.Default,
    };

    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(RefreshInterval);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                _status = Mqtt.GetStatus();
                await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
