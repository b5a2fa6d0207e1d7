using IotDashboard.App.Model;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.AspNetCore.Components;

namespace IotDashboard.App.Components.Pages;

/// <summary>
/// The overview: pipeline figures, each site's energy picture and a compact device list. Figures come from memory
/// (metrics, live feed); the stored-readings total is counted once and then advanced by what the pipeline stores.
/// </summary>
public sealed partial class Dashboard : IDisposable
{
    public const int CompactListSize = 12;

    private IReadOnlyList<DeviceView> _devices = [];
    private IReadOnlyList<SiteView> _sites = [];
    private IDisposable? _subscription;
    private ITimer? _timer;
    private long? _storedBase;
    private long _storedAtBase;

    [Inject] public required DeviceManager Devices { get; init; }

    [Inject] public required ILiveFeed Feed { get; init; }

    [Inject] public required PipelineMetrics Metrics { get; init; }

    [Inject] public required MeasurementPipeline Pipeline { get; init; }

    [Inject] public required MeasurementQueries Queries { get; init; }

    [Inject] public required DeviceCommands Commands { get; init; }

    [Inject] public required TimeProvider TimeProvider { get; init; }

    private PipelineSnapshot Snapshot => Metrics.Snapshot(Pipeline.QueueDepth, Pipeline.Capacity);

    protected override void OnInitialized()
    {
        Refresh();
        _subscription = Feed.SubscribeFleet(() => InvokeAsync(() =>
        {
            Refresh();
            StateHasChanged();
        }));

        // Rates must fall to zero when no reading arrives, which no notification would say.
        _timer = TimeProvider.CreateTimer(_ => _ = InvokeAsync(StateHasChanged), null, Controls.PipelineIndicator.RefreshInterval, Controls.PipelineIndicator.RefreshInterval);
    }

    protected override async Task OnInitializedAsync()
    {
        var storedBefore = Metrics.Stored;
        var count = await Queries.CountAllAsync();
        _storedAtBase = storedBefore;
        _storedBase = count;
    }

    private void Refresh()
    {
        _devices = Devices.List();
        _sites = Devices.ListSites();
    }

    private long? ReadingsStored(PipelineSnapshot snapshot) => _storedBase + (snapshot.Stored - _storedAtBase);

    private string TypeIcon(string typeId) => Devices.Types.TryGet(typeId, out var type) ? type.Icon : "device_unknown";

    public void Dispose()
    {
        _subscription?.Dispose();
        _timer?.Dispose();
    }
}
