using IotDashboard.Core.Simulation;
using Microsoft.AspNetCore.Components;

namespace IotDashboard.App.Components.Controls;

/// <summary>
/// Readings per second in the app bar. The rate is a property of time as much as of readings (it must fall to
/// zero when nothing arrives), so it refreshes on a server-side timer rather than on feed notifications.
/// </summary>
public sealed partial class PipelineIndicator : IDisposable
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private ITimer? _timer;

    [Inject] public required PipelineMetrics Metrics { get; init; }

    [Inject] public required MeasurementPipeline Pipeline { get; init; }

    [Inject] public required TimeProvider TimeProvider { get; init; }

    private PipelineSnapshot Snapshot => Metrics.Snapshot(Pipeline.QueueDepth, Pipeline.Capacity);

    protected override void OnInitialized() =>
        _timer = TimeProvider.CreateTimer(_ => _ = InvokeAsync(StateHasChanged), null, RefreshInterval, RefreshInterval);

    public void Dispose() => _timer?.Dispose();
}
