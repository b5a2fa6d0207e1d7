using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace IotDashboard.App.Components.Dialogs;

/// <summary>Changes a device's name, interval and parameters; a running device uses them from its next tick.</summary>
public sealed partial class EditDeviceDialog
{
    private readonly Dictionary<string, double> _parameters = new(StringComparer.Ordinal);
    private List<string> _serverErrors = [];
    private string _name = string.Empty;
    private int _intervalMs;
    private bool _busy;

    [CascadingParameter] public required IMudDialogInstance Dialog { get; set; }

    [Inject] public required DeviceManager Devices { get; init; }

    [Inject] public required Security.AdminActions Admin { get; init; }

    [Parameter, EditorRequired] public required DeviceView Device { get; set; }

    private IDeviceType? Type => Devices.Types.TryGet(Device.TypeId, out var type) ? type : null;

    private string? NameError => DeviceFieldRules.NameError(_name);

    private string? IntervalError => DeviceFieldRules.IntervalError(_intervalMs);

    protected override void OnInitialized()
    {
        _name = Device.Name;
        _intervalMs = (int)Device.Interval.TotalMilliseconds;
        if (Type is { } type)
        {
            foreach (var parameter in type.Parameters)
            {
                _parameters[parameter.Key] = Device.Parameters.TryGetValue(parameter.Key, out var value) ? value : parameter.Default;
            }
        }
    }

    private void Cancel() => Dialog.Cancel();

    private async Task SaveAsync()
    {
        _serverErrors = [];
        _busy = true;
        try
        {
            await Admin.ConfigureDeviceAsync(Device.Id, TimeSpan.FromMilliseconds(_intervalMs), new Dictionary<string, double>(_parameters), _name);
            Dialog.Close(DialogResult.Ok(Device.Id));
        }
        catch (DeviceValidationException ex)
        {
            _serverErrors = [.. ex.Errors];
        }
        catch (UnauthorizedAccessException ex)
        {
            _serverErrors = [ex.Message];
        }
        finally
        {
            _busy = false;
        }
    }
}
