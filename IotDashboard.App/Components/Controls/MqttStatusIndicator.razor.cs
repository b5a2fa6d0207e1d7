using System.Globalization;
using IotDashboard.Core.Mqtt;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace IotDashboard.App.Components.Controls;

/// <summary>
/// The app bar's MQTT summary: "MQTT off", "MQTT 3/3" (all connected), or a warning/error colour with the last
/// problem in the tooltip. Polls <see cref="MqttService.GetStatus"/> (a cheap in-memory snapshot).
/// </summary>
public sealed partial class MqttStatusIndicator : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private MqttStatusSnapshot _status = MqttStatusSnapshot.Disabled;

    [Inject]
    public required MqttService Mqtt { get; init; }

    /// <summary>How often the summary refreshes.</summary>
    [Parameter]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    internal MqttStatusSnapshot Status => _status;

    internal string Label => !_status.Enabled
        ? "MQTT off"
        : string.Create(CultureInfo.InvariantCulture, $"MQTT {_status.Connected}/{_status.Connections}");

    internal Color ChipColor => !_status.Enabled ? Color.Default
        : _status.Refused > 0 || (_status.Connections > 0 && _status.Connected == 0) ? Color.Error
        : !_status.AllConnected || _status.Dropped > 0 ? Color.Warning
        : Color.Success;

    internal string Tooltip
    {
        get
        {
            if (!_status.Enabled)
            {
                return _status.LastError ?? "MQTT publishing is off.";
            }

            var text = string.Create(CultureInfo.CurrentCulture,
                $"{_status.Mode} → {_status.Endpoint}: {_status.Connected} of {_status.Connections} connected, {_status.Published:N0} published, {_status.Queued:N0} queued, {_status.Dropped:N0} dropped");
            return _status.LastError is { } error ? $"{text}. Last error: {error}" : text;
        }
    }

    protected override void OnInitialized()
    {
        _status = Mqtt.GetStatus();
        _ = RefreshLoopAsync(_stop.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }

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
