using IotDashboard.Core.Devices;
using IotDashboard.Core.Settings;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace IotDashboard.App.Components.Pages;

/// <summary>
/// The simulation defaults, saved in <c>app_settings</c> and applied through the options pipeline: the interval
/// to the next New device dialog, retention to its next run, resume-on-start to the next start.
/// </summary>
public sealed partial class Settings
{
    private List<string> _errors = [];
    private int _intervalMs;
    private bool _resumeOnStart;
    private int _retentionDays;
    private bool _busy;

    [Inject] public required Security.AdminActions Admin { get; init; }

    [Inject] public required IOptionsMonitor<SimulationOptions> Simulation { get; init; }

    [Inject] public required IOptionsMonitor<StorageOptions> Storage { get; init; }

    [Inject] public required ISnackbar Snackbar { get; init; }

    private SimulationDefaults Current => new(_intervalMs, _resumeOnStart, _retentionDays);

    private string? IntervalError => Current.Validate().FirstOrDefault(e => e.StartsWith("Default interval", StringComparison.Ordinal));

    private string? RetentionError => Current.Validate().FirstOrDefault(e => e.StartsWith("Retention", StringComparison.Ordinal));

    protected override void OnInitialized() => Load();

    private void Load()
    {
        _errors = [];
        _intervalMs = Simulation.CurrentValue.DefaultIntervalMs;
        _resumeOnStart = Simulation.CurrentValue.ResumeOnStart;
        _retentionDays = Storage.CurrentValue.RetentionDays;
    }

    private async Task SaveAsync()
    {
        _errors = [];
        _busy = true;
        try
        {
            await Admin.SaveSimulationDefaultsAsync(Current);
            Snackbar.Add("Settings saved.", Severity.Success);
        }
        catch (DeviceValidationException ex)
        {
            _errors = [.. ex.Errors];
        }
        catch (UnauthorizedAccessException ex)
        {
            _errors = [ex.Message];
        }
        finally
        {
            _busy = false;
        }
    }
}
