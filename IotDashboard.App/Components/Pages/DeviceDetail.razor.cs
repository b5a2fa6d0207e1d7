using IotDashboard.App.Components.Controls;
using IotDashboard.App.Model;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace IotDashboard.App.Components.Pages;

public enum TimeWindow
{
    FiveMinutes,
    OneHour,
    Day,
    Custom,
}

/// <summary>
/// One device: its series over a chosen window (history downsampled on the server, then live points appended
/// from the feed while the window ends now), latest values, counters, configuration and controls.
/// </summary>
public sealed partial class DeviceDetail : IDisposable
{
    public const int HistoryPoints = 600;

    private IDisposable? _subscription;
    private int? _subscribedId;
    private DeviceView? _device;
    private LiveChart? _chart;
    private IReadOnlyList<ChartSeries> _chartSeries = [];
    private IReadOnlyCollection<string> _selectedSeries = [];
    private List<BreadcrumbItem> _breadcrumbs = [];
    private TimeWindow _window = TimeWindow.FiveMinutes;
    private DateTime? _customFrom;
    private DateTime? _customTo;
    private string? _rangeError;
    private DateTimeOffset? _lastCharted;
    private bool _live = true;
    private bool _historyLoaded;
    private int _chartKey;
    private int _maxPoints = 2_000;
    private int _loadGeneration;

    [Inject] public required DeviceManager Devices { get; init; }

    [Inject] public required ILiveFeed Feed { get; init; }

    [Inject] public required MeasurementQueries Queries { get; init; }

    [Inject] public required DeviceCommands Commands { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    [Inject] public required TimeProvider TimeProvider { get; init; }

    [Inject] public required BrowserTime BrowserTime { get; init; }

    [Parameter] public int Id { get; set; }

    private IDeviceType? Type => _device is not null && Devices.Types.TryGet(_device.TypeId, out var type) ? type : null;

    protected override void OnParametersSet()
    {
        _device = Devices.Get(Id);
        if (_subscribedId == Id)
        {
            return;
        }

        _subscription?.Dispose();
        _subscription = null;
        _subscribedId = Id;
        _historyLoaded = false;
        _lastCharted = null;
        _chartKey++; // another device may have other lines
        if (_device is null || Type is not { } type)
        {
            return;
        }

        _breadcrumbs = [new BreadcrumbItem("Devices", "devices"), new BreadcrumbItem(_device.Name, null, disabled: true)];
        _selectedSeries = type.Series.Take(CommonSeries.CurrentIndex + 1).Select(s => s.Key).ToList(); // power, voltage, current
        BuildChartSeries(type);
        _subscription = Feed.Subscribe(Id, () => InvokeAsync(OnLiveUpdateAsync));
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!_historyLoaded && _chart is not null)
        {
            _historyLoaded = true;
            await LoadHistoryAsync();
        }
    }

    private async Task OnLiveUpdateAsync()
    {
        _device = Devices.Get(Id);
        if (_live && _chart is not null && _lastCharted is not null)
        {
            var fresh = Feed.Recent(Id, _lastCharted);
            if (fresh.Count > 0)
            {
                _lastCharted = fresh[^1].Timestamp;
                await _chart!.AppendAsync(ToPoints(fresh.Select(m => (m.Timestamp, (IReadOnlyList<double>)m.Values))));
            }
        }

        StateHasChanged();
    }

    private async Task LoadHistoryAsync()
    {
        if (_device is null || _chart is null)
        {
            return;
        }

        var now = TimeProvider.GetUtcNow();
        DateTimeOffset from, to;
        _rangeError = null;
        if (_window == TimeWindow.Custom)
        {
            if (_customFrom is not { } customFrom)
            {
                _rangeError = "Choose when the range starts.";
                return;
            }

            from = BrowserTime.FromLocal(customFrom);
            to = _customTo is { } customTo ? BrowserTime.FromLocal(customTo) : now;
            if (to <= from)
            {
                _rangeError = "The end must be after the start.";
                return;
            }
        }
        else
        {
            to = now;
            from = now - WindowLength(_window);
        }

        _live = to >= now - TimeSpan.FromSeconds(1);
        _maxPoints = (int)Math.Clamp(HistoryPoints + ((to - from) / _device.Interval), 200, 5_000);
        var generation = ++_loadGeneration;
        var history = await Queries.GetSeriesAsync(_device.Id, from, to, HistoryPoints, _selectedSeries); // only what the chart draws
        if (generation != _loadGeneration || _chart is null)
        {
            return; // a newer window was chosen meanwhile
        }

        var points = history.Select(p => (p.Time, (IReadOnlyList<double>)p.Values)).ToList();
        if (_live)
        {
            // Readings the feed holds that the database did not have yet (the writer batches).
            var since = history.Count > 0 ? history[^1].Time : from;
            points.AddRange(Feed.Recent(_device.Id, since).Select(m => (m.Timestamp, (IReadOnlyList<double>)m.Values)));
        }

        _lastCharted = points.Count > 0 ? points[^1].Time : now;
        await _chart.ReplaceAsync(ToPoints(points));
    }

    private List<ChartPoint> ToPoints(IEnumerable<(DateTimeOffset Time, IReadOnlyList<double> Values)> readings)
    {
        var type = Type;
        if (type is null)
        {
            return [];
        }

        var indices = _selectedSeries.Select(key => IndexOf(type, key)).Where(i => i >= 0).ToArray();
        return [.. readings.Select(r => new ChartPoint(r.Time, indices.Select(i => i < r.Values.Count ? r.Values[i] : double.NaN).ToArray()))];
    }

    private async Task OnWindowChangedAsync(TimeWindow window)
    {
        _window = window;
        if (window != TimeWindow.Custom)
        {
            await LoadHistoryAsync();
        }
        else
        {
            var now = BrowserTime.ToLocal(TimeProvider.GetUtcNow());
            _customFrom ??= now.AddHours(-6);
        }
    }

    private async Task OnSeriesChangedAsync(IReadOnlyCollection<string> selected)
    {
        if (Type is not { } type || selected.Count == 0)
        {
            return; // keep at least one line
        }

        // Keep the type's order, whatever order they were ticked in.
        _selectedSeries = type.Series.Select(s => s.Key).Where(selected.Contains).ToList();
        BuildChartSeries(type);
        _chartKey++; // a new chart for new lines
        _historyLoaded = false; // reloaded after the new chart has rendered
        await Task.CompletedTask;
    }

    private void BuildChartSeries(IDeviceType type)
    {
        var definitions = _selectedSeries.Select(key => type.Series[IndexOf(type, key)]).ToList();
        var firstUnit = definitions.FirstOrDefault()?.Unit;
        _chartSeries = [.. definitions.Select(s => new ChartSeries(s.Label, s.Unit, Axis: s.Unit == firstUnit ? 1 : 2))];
    }

    private string SeriesLabel(string key)
    {
        if (Type is not { } type || IndexOf(type, key) is var index && index < 0)
        {
            return key;
        }

        var series = type.Series[index];
        return series.Unit.Length == 0 ? series.Label : $"{series.Label} ({series.Unit})";
    }

    private static int IndexOf(IDeviceType type, string key)
    {
        for (var i = 0; i < type.Series.Count; i++)
        {
            if (type.Series[i].Key == key)
            {
                return i;
            }
        }

        return -1;
    }

    private static TimeSpan WindowLength(TimeWindow window) => window switch
    {
        TimeWindow.OneHour => TimeSpan.FromHours(1),
        TimeWindow.Day => TimeSpan.FromDays(1),
        _ => TimeSpan.FromMinutes(5),
    };

    private async Task StartAsync()
    {
        await Commands.StartAsync([Id]);
        _device = Devices.Get(Id);
    }

    private async Task StopAsync()
    {
        await Commands.StopAsync([Id]);
        _device = Devices.Get(Id);
    }

    private async Task EditAsync()
    {
        if (_device is not null && await Commands.EditAsync(_device))
        {
            _device = Devices.Get(Id);
        }
    }

    private async Task DeleteAsync()
    {
        if (_device is not null && await Commands.DeleteAsync([Id], $"\"{_device.Name}\""))
        {
            Navigation.NavigateTo("devices");
        }
    }

    public void Dispose() => _subscription?.Dispose();
}
