using System.Globalization;
using IotDashboard.App.Model;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.AspNetCore.Components;

namespace IotDashboard.App.Components.Controls;

/// <summary>
/// One site's energy picture, live: PV, heat pump, household and the grid exchange as a flow, where the
/// consumption comes from as a stacked bar, and the four over time. The grid meter measures the whole balance, so
/// the card watches that one device: the last 15 minutes from the database, then its readings from the feed.
/// </summary>
public sealed partial class EnergySiteCard : IDisposable
{
    public static readonly TimeSpan HistoryWindow = TimeSpan.FromMinutes(15);

    internal static readonly IReadOnlyList<ChartSeries> ChartSeriesList =
    [
        new("PV production", "W", "#f9a825"),
        new("Heat pump", "W", "#ef5350"),
        new("Household", "W", "#42a5f5"),
        new("Grid (+import / −export)", "W", "#ab47bc"),
    ];

    private IDisposable? _fleetSubscription;
    private IDisposable? _meterSubscription;
    private DeviceView? _meter;
    private LiveChart? _chart;
    private DateTimeOffset? _lastCharted;
    private bool _historyLoaded;

    [Inject] public required DeviceManager Devices { get; init; }

    [Inject] public required ILiveFeed Feed { get; init; }

    [Inject] public required MeasurementQueries Queries { get; init; }

    [Inject] public required TimeProvider TimeProvider { get; init; }

    [Inject] public required BrowserTime BrowserTime { get; init; }

    [Parameter, EditorRequired] public required SiteView Site { get; set; }

    private SiteEnergy Energy => SiteEnergy.From(SiteDevices(), Feed, Devices.Types);

    protected override void OnInitialized()
    {
        _meter = SiteDevices().FirstOrDefault(d => d.TypeId == MainGridType.TypeId);
        _fleetSubscription = Feed.SubscribeFleet(() => InvokeAsync(StateHasChanged));
        if (_meter is not null)
        {
            _meterSubscription = Feed.Subscribe(_meter.Id, () => InvokeAsync(AppendLiveAsync));
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender || _meter is null)
        {
            return;
        }

        // History once (downsampled on the server), then whatever the feed has seen since.
        var now = TimeProvider.GetUtcNow();
        var history = await Queries.GetSeriesAsync(_meter.Id, now - HistoryWindow, now, 450, SiteEnergy.MeterSeries);
        if (!Devices.Types.TryGet(_meter.TypeId, out var meterType))
        {
            return;
        }

        var points = history.Select(p => ToPoint(meterType, p.Values, p.Time)).ToList();
        var since = history.Count > 0 ? history[^1].Time : (DateTimeOffset?)null;
        points.AddRange(Feed.Recent(_meter.Id, since).Select(m => ToPoint(meterType, m.Values, m.Timestamp)));
        _lastCharted = points.Count > 0 ? points[^1].Time : null;
        _historyLoaded = true;
        if (_chart is not null)
        {
            await _chart.ReplaceAsync(points);
        }
    }

    private async Task AppendLiveAsync()
    {
        if (_historyLoaded && _meter is not null && _chart is not null && Devices.Types.TryGet(_meter.TypeId, out var meterType))
        {
            var fresh = Feed.Recent(_meter.Id, _lastCharted);
            if (fresh.Count > 0)
            {
                _lastCharted = fresh[^1].Timestamp;
                await _chart.AppendAsync([.. fresh.Select(m => ToPoint(meterType, m.Values, m.Timestamp))]);
            }
        }
    }

    private static ChartPoint ToPoint(Core.Devices.IDeviceType meterType, IReadOnlyList<double> values, DateTimeOffset time) =>
        new(time, SiteEnergy.FromMeter(meterType, values, time).ToValues());

    private List<DeviceView> SiteDevices() => [.. Devices.List().Where(d => d.SiteId == Site.Id)];

    private static string GridLabel(SiteEnergy energy) => energy.Grid switch
    {
        < 0 => "Grid: exporting",
        > 0 => "Grid: importing",
        0 => "Grid: balanced",
        _ => "Grid",
    };

    private static string Percent(double share) => share.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", string.Empty, StringComparison.Ordinal);

    public void Dispose()
    {
        _fleetSubscription?.Dispose();
        _meterSubscription?.Dispose();
    }
}
