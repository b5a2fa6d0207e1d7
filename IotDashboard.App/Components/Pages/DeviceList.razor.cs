using IotDashboard.App.Model;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;
using Microsoft.AspNetCore.Components;

namespace IotDashboard.App.Components.Pages;

/// <summary>
/// Every device with live status and values; search, filter and sort happen in memory (the device list is the
/// manager's, not a query). Re-rendered on the feed's throttled fleet notification.
/// </summary>
public sealed partial class DeviceList : IDisposable
{
    private readonly DeviceRowCache _rows = new();
    private IReadOnlyList<DeviceRow> _all = [];
    private List<DeviceRow> _visible = [];
    private HashSet<DeviceRow> _selected = [];
    private IDisposable? _subscription;
    private string _search = string.Empty;
    private string _typeFilter = string.Empty;
    private string _statusFilter = string.Empty;

    [Inject] public required DeviceManager Devices { get; init; }

    [Inject] public required ILiveFeed Feed { get; init; }

    [Inject] public required DeviceCommands Commands { get; init; }

    protected override void OnInitialized()
    {
        Refresh();
        _subscription = Feed.SubscribeFleet(() => InvokeAsync(() =>
        {
            Refresh();
            StateHasChanged();
        }));
    }

    private void Refresh()
    {
        _all = _rows.Refresh(Devices, Feed);
        ApplyFilter();
    }

    private void ApplyFilter()
    {
        var search = _search.Trim();
        _visible = _all.Where(r =>
                (_typeFilter.Length == 0 || r.TypeId == _typeFilter) &&
                (_statusFilter.Length == 0 || r.Status == _statusFilter) &&
                (search.Length == 0 ||
                 r.Name.Contains(search, StringComparison.CurrentCultureIgnoreCase) ||
                 r.TypeName.Contains(search, StringComparison.CurrentCultureIgnoreCase) ||
                 r.SiteName.Contains(search, StringComparison.CurrentCultureIgnoreCase)))
            .ToList();

        // The selection follows the rows that still exist.
        if (_selected.Count > 0 && _selected.Any(r => !_visible.Contains(r)))
        {
            _selected = [.. _selected.Where(_visible.Contains)];
        }
    }

    private void OnSearchChanged(string? value)
    {
        _search = value ?? string.Empty;
        ApplyFilter();
    }

    private void OnTypeFilterChanged(string? value)
    {
        _typeFilter = value ?? string.Empty;
        ApplyFilter();
    }

    private void OnStatusFilterChanged(string? value)
    {
        _statusFilter = value ?? string.Empty;
        ApplyFilter();
    }

    private void OnSelectionChanged(HashSet<DeviceRow> selected) => _selected = selected;

    private string TypeFilterText(string? id) =>
        string.IsNullOrEmpty(id) ? "All types" : Devices.Types.TryGet(id, out var type) ? type.DisplayName : id;

    private static string StatusFilterText(string? status) => string.IsNullOrEmpty(status) ? "All statuses" : status;

    private async Task CreateAsync()
    {
        await Commands.CreateAsync();
        Refresh();
    }

    private async Task EditAsync(DeviceRow row)
    {
        if (Devices.Get(row.Id) is { } device && await Commands.EditAsync(device))
        {
            Refresh();
        }
    }

    private async Task DeleteAsync(DeviceRow row)
    {
        if (await Commands.DeleteAsync([row.Id], $"\"{row.Name}\""))
        {
            Refresh();
        }
    }

    private async Task StartSelectedAsync()
    {
        await Commands.StartAsync(SelectedIds());
        Refresh();
    }

    private async Task StopSelectedAsync()
    {
        await Commands.StopAsync(SelectedIds());
        Refresh();
    }

    private async Task DeleteSelectedAsync()
    {
        var ids = SelectedIds();
        if (await Commands.DeleteAsync(ids, ids.Count == 1 ? "1 device" : $"{ids.Count:N0} devices"))
        {
            _selected = [];
            Refresh();
        }
    }

    private List<int> SelectedIds() => [.. _selected.Select(r => r.Id)];

    public void Dispose() => _subscription?.Dispose();
}
