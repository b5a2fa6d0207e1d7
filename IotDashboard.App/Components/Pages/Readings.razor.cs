using IotDashboard.App.Api;
using IotDashboard.App.Components.Controls;
using IotDashboard.App.Model;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using MudBlazor;

namespace IotDashboard.App.Components.Pages;

public enum RangePreset
{
    Last15Minutes,
    LastHour,
    Last24Hours,
    Last7Days,
    All,
    Custom,
}

/// <summary>A stored reading as a grid row (properties the grid can sort by name).</summary>
public sealed record ReadingRow(long Id, DateTimeOffset Timestamp, string DeviceName, string TypeName, double Power, double Voltage, double Current, double EnergyKwh);

/// <summary>
/// The stored readings: filter, page and sort on the server, chart the range, export it as CSV. A page asks for
/// one row more than it shows to know whether there is a next one; the exact total is counted once per filter
/// change, in the background, so paging never waits for a COUNT over millions of rows.
/// </summary>
public sealed partial class Readings : IDisposable
{
    public const int MaxChartDevices = 5;
    public const int ChartPoints = 500;

    private readonly CancellationTokenSource _disposed = new();
    private MudDataGrid<ReadingRow>? _grid;
    private LiveChart? _chart;
    private IReadOnlyList<DeviceView> _devices = [];
    private IReadOnlyCollection<int> _deviceIds = [];
    private string _typeId = string.Empty;
    private RangePreset _preset = RangePreset.LastHour;
    private DateTime? _customFrom;
    private DateTime? _customTo;
    private string? _rangeError;
    private long? _matchCount;
    private CancellationTokenSource? _countCancellation;
    private List<DeviceView> _chartDevices = [];
    private IReadOnlyList<ChartSeries> _chartSeries = [];
    private int _chartKey;
    private bool _chartPending = true;

    [Inject] public required DeviceManager Devices { get; init; }

    [Inject] public required MeasurementQueries Queries { get; init; }

    [Inject] public required TimeProvider TimeProvider { get; init; }

    [Inject] public required BrowserTime BrowserTime { get; init; }

    [Inject] public required IJSRuntime JS { get; init; }

    /// <summary>The filter as the grid, the chart and the CSV export use it (null while the custom range is invalid).</summary>
    internal ReadingQuery? CurrentQuery { get; private set; }

    protected override void OnInitialized()
    {
        _devices = Devices.List();
        BuildQuery();
        StartCount();
        BuildChartSeries();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_chartPending && _chart is not null)
        {
            _chartPending = false;
            await LoadChartAsync();
        }
    }

    private async Task<GridData<ReadingRow>> LoadPageAsync(GridState<ReadingRow> state, CancellationToken cancellationToken)
    {
        if (CurrentQuery is not { } query)
        {
            return new GridData<ReadingRow> { Items = [], TotalItems = 0 };
        }

        var sort = state.SortDefinitions.FirstOrDefault() switch
        {
            { SortBy: nameof(ReadingRow.Timestamp), Descending: false } => ReadingSort.TimeAscending,
            { SortBy: nameof(ReadingRow.DeviceName) } => ReadingSort.DeviceAscending,
            { SortBy: nameof(ReadingRow.Power), Descending: true } => ReadingSort.PowerDescending,
            { SortBy: nameof(ReadingRow.Power), Descending: false } => ReadingSort.PowerAscending,
            _ => ReadingSort.TimeDescending,
        };
        var skip = state.Page * state.PageSize;
        var rows = await Queries.QueryAsync(query with { Sort = sort }, skip, state.PageSize + 1, cancellationToken);
        var hasMore = rows.Count > state.PageSize;
        var page = rows.Take(state.PageSize).Select(ToRow).ToList();
        var total = _matchCount is { } known && known >= skip + page.Count
            ? (int)Math.Min(known, int.MaxValue)
            : skip + page.Count + (hasMore ? 1 : 0);
        return new GridData<ReadingRow> { Items = page, TotalItems = total };
    }

    private ReadingRow ToRow(StoredReading reading) => new(
        reading.Id,
        reading.Timestamp,
        reading.DeviceName,
        Devices.Types.TryGet(reading.DeviceType, out var type) ? type.DisplayName : reading.DeviceType,
        reading.Values[0],
        reading.Values[1],
        reading.Values[2],
        reading.Values[4]);

    private void BuildQuery()
    {
        _rangeError = null;
        var now = TimeProvider.GetUtcNow();
        DateTimeOffset? from = _preset switch
        {
            RangePreset.Last15Minutes => now.AddMinutes(-15),
            RangePreset.LastHour => now.AddHours(-1),
            RangePreset.Last24Hours => now.AddDays(-1),
            RangePreset.Last7Days => now.AddDays(-7),
            RangePreset.Custom => _customFrom is { } f ? BrowserTime.FromLocal(f) : null,
            _ => null,
        };
        DateTimeOffset? to = _preset == RangePreset.Custom && _customTo is { } t ? BrowserTime.FromLocal(t) : null;
        if (from is not null && to is not null && to <= from)
        {
            _rangeError = "The end of the range must be after its start.";
            CurrentQuery = null;
            return;
        }

        CurrentQuery = new ReadingQuery(_deviceIds.Count > 0 ? [.. _deviceIds] : null, _typeId.Length > 0 ? _typeId : null, from, to);
    }

    /// <summary>Counts the matches once per filter, in the background; a newer filter cancels the older count.</summary>
    private void StartCount()
    {
        _countCancellation?.Cancel();
        _countCancellation?.Dispose();
        _matchCount = null;
        if (CurrentQuery is not { } query)
        {
            return;
        }

        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        _countCancellation = cancellation;
        _ = Task.Run(async () =>
        {
            try
            {
                var count = await Queries.CountAsync(query, cancellation.Token);
                if (!cancellation.IsCancellationRequested)
                {
                    await InvokeAsync(() =>
                    {
                        _matchCount = count;
                        StateHasChanged();
                    });
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });
    }

    private void BuildChartSeries()
    {
        var candidates = _deviceIds.Count > 0
            ? _devices.Where(d => _deviceIds.Contains(d.Id)).ToList()
            : _devices.Where(d => _typeId.Length == 0 || d.TypeId == _typeId).ToList();
        _chartDevices = candidates.Count <= MaxChartDevices ? candidates : [];
        _chartSeries = [.. _chartDevices.Select(d => new ChartSeries(d.Name, "W"))];
        _chartKey++;
        _chartPending = true;
    }

    private async Task LoadChartAsync()
    {
        if (_chart is null || CurrentQuery is not { } query || _chartDevices.Count == 0)
        {
            return;
        }

        var to = query.To ?? TimeProvider.GetUtcNow();
        var from = query.From ?? to.AddDays(-7); // "All" charts the last week; the grid and the export have everything
        var byTime = new SortedDictionary<DateTimeOffset, double[]>();
        for (var i = 0; i < _chartDevices.Count; i++)
        {
            // Same range and bucket count for every device: the buckets line up.
            foreach (var point in await Queries.GetSeriesAsync(_chartDevices[i].Id, from, to, ChartPoints))
            {
                if (!byTime.TryGetValue(point.Time, out var values))
                {
                    values = Enumerable.Repeat(double.NaN, _chartDevices.Count).ToArray();
                    byTime[point.Time] = values;
                }

                values[i] = point.Values[0];
            }
        }

        await _chart.ReplaceAsync([.. byTime.Select(p => new ChartPoint(p.Key, p.Value))]);
    }

    private async Task ApplyFilterAsync()
    {
        _devices = Devices.List();
        BuildQuery();
        StartCount();
        BuildChartSeries();
        if (_grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    internal async Task OnDevicesChangedAsync(IReadOnlyCollection<int> ids)
    {
        _deviceIds = ids;
        await ApplyFilterAsync();
    }

    internal async Task OnTypeChangedAsync(string? typeId)
    {
        _typeId = typeId ?? string.Empty;
        await ApplyFilterAsync();
    }

    internal async Task OnPresetChangedAsync(RangePreset preset)
    {
        _preset = preset;
        if (preset == RangePreset.Custom && _customFrom is null)
        {
            _customFrom = BrowserTime.ToLocal(TimeProvider.GetUtcNow()).AddHours(-1);
        }

        await ApplyFilterAsync();
    }

    private async Task OnCustomFromChangedAsync(DateTime? value)
    {
        _customFrom = value;
        await ApplyFilterAsync();
    }

    private async Task OnCustomToChangedAsync(DateTime? value)
    {
        _customTo = value;
        await ApplyFilterAsync();
    }

    private async Task ExportCsvAsync()
    {
        BuildQuery();
        if (CurrentQuery is { } query)
        {
            // The endpoint streams the file; the page stays where it is.
            await JS.InvokeVoidAsync("iotDashboard.download", ReadingsApi.CsvUrl(query with { Sort = ReadingSort.TimeAscending }));
        }
    }

    private string DeviceName(int id) => _devices.FirstOrDefault(d => d.Id == id)?.Name ?? $"Device {id}";

    private string TypeName(string? id) => string.IsNullOrEmpty(id) ? "All types" : Devices.Types.TryGet(id, out var type) ? type.DisplayName : id;

    private static string PresetName(RangePreset preset) => preset switch
    {
        RangePreset.Last15Minutes => "Last 15 minutes",
        RangePreset.LastHour => "Last hour",
        RangePreset.Last24Hours => "Last 24 hours",
        RangePreset.Last7Days => "Last 7 days",
        RangePreset.All => "All time",
        _ => "Custom",
    };

    public void Dispose()
    {
        _disposed.Cancel();
        _countCancellation?.Dispose();
        _disposed.Dispose();
    }
}
