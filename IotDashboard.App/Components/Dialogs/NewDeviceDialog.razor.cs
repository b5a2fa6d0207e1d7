using System.Globalization;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;

namespace IotDashboard.App.Components.Dialogs;

/// <summary>
/// Creates one device or many (named with a running number). Each field says what is wrong as it is typed; the
/// manager validates again on Create and its messages are shown here too, so nothing invalid is ever stored.
/// </summary>
public sealed partial class NewDeviceDialog
{
    private readonly Dictionary<string, double> _parameters = new(StringComparer.Ordinal);
    private List<string> _serverErrors = [];
    private string _typeId = string.Empty;
    private string _name = string.Empty;
    private int? _siteId;
    private int _intervalMs;
    private int _count = 1;
    private bool _start = true;
    private bool _busy;

    [CascadingParameter] public required IMudDialogInstance Dialog { get; set; }

    [Inject] public required DeviceManager Devices { get; init; }

    [Inject] public required Security.AdminActions Admin { get; init; }

    [Inject] public required IOptionsMonitor<SimulationOptions> Options { get; init; }

    private IDeviceType? Type => Devices.Types.TryGet(_typeId, out var type) ? type : null;

    private string? NameError => DeviceFieldRules.NameError(_name);

    private string? IntervalError => DeviceFieldRules.IntervalError(_intervalMs);

    private string? CountError => _count is < 1 or > DeviceManager.MaxBulkCount
        ? $"How many must be between 1 and {DeviceManager.MaxBulkCount:N0}."
        : null;

    protected override void OnInitialized()
    {
        _intervalMs = Options.CurrentValue.DefaultIntervalMs;
        _siteId = Devices.ListSites() is [var first, ..] ? first.Id : null;
        SelectType(Devices.Types.All.First());
    }

    private void OnTypeChanged(string typeId)
    {
        if (Devices.Types.TryGet(typeId, out var type))
        {
            SelectType(type);
        }
    }

    private void SelectType(IDeviceType type)
    {
        var previousDefault = Type?.DisplayName;
        _typeId = type.Id;
        _parameters.Clear();
        foreach (var parameter in type.Parameters)
        {
            _parameters[parameter.Key] = parameter.Default;
        }

        // Offer the type's name until the user typed their own.
        if (_name.Length == 0 || _name == previousDefault)
        {
            _name = type.DisplayName;
        }
    }

    private string? ParameterError(ParameterDefinition definition) => definition.Validate(_parameters[definition.Key]);

    private string SiteName(int? id) => id is { } siteId ? Devices.ListSites().FirstOrDefault(s => s.Id == siteId)?.Name ?? $"Site {siteId}" : "No site";

    private void Cancel() => Dialog.Cancel();

    private async Task CreateAsync()
    {
        _serverErrors = [];
        _busy = true;
        try
        {
            var request = new CreateDevicesRequest(_typeId, _name, TimeSpan.FromMilliseconds(_intervalMs), _siteId, _count,
                new Dictionary<string, double>(_parameters), _start);
            var ids = await Admin.CreateDevicesAsync(request);
            Dialog.Close(DialogResult.Ok(ids));
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

    internal static string ParameterLabel(ParameterDefinition definition) =>
        definition.Unit.Length == 0 ? definition.Label : $"{definition.Label} ({definition.Unit})";

    internal static string ParameterHelp(ParameterDefinition definition)
    {
        var range = $"{definition.Min.ToString("0.###", CultureInfo.InvariantCulture)}–{definition.Max.ToString("0.###", CultureInfo.InvariantCulture)}, default {definition.Default.ToString("0.###", CultureInfo.InvariantCulture)}";
        return definition.Description.Length == 0 ? range : $"{definition.Description} ({range})";
    }
}
