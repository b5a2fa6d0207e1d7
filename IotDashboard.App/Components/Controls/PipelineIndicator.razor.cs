using IotDashboard.Core.Simulation;
using Microsoft.AspNetCore.Components;

namespace IotDashboard.App.Components.Controls;

/// <summary>
/// Readings per second in the app bar, and a red chip per sink that is failing (the database down or full):
/// the storage writer retries on its own and holds readings back meanwhile, so the operator must see why. The rate is a property of time as much as of readings (it must fall to
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

    private static string SinkLabel(string sink) => sink switch
    {
        "storage" => "Storage",
        "live" => "Live feed",
        _ => sink.Length == 0 ? sink : char.ToUpperInvariant(sink[0]) + sink[1..],
    };

    private static string ErrorTitle(SinkStatus sink) =>
        $"{SinkLabel(sink.Name)}: {sink.LastError} ({sink.Errors.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} failed attempts so far; retrying)";
}
