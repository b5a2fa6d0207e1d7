using IotDashboard.App.Model;
using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.ConfigLib;
using Plotly.Blazor.LayoutLib;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace IotDashboard.App.Components.Controls;

/// <summary>
/// The one chart of the app: a Plotly time-series chart that pages fill with <see cref="ReplaceAsync"/> (history,
/// a new window: one redraw) and feed with <see cref="AppendAsync"/> (live points: plotly's extendTraces, no redraw).
/// Pages never talk to Plotly directly. Hover values, zoom and the PNG export come from Plotly's mode bar.
/// </summary>
public sealed partial class LiveChart
{
    private readonly List<ITrace> _traces = [];
    private PlotlyChart? _chart;
    private Plotly.Blazor.Layout _layout = new();
    private Config _config = new();

    [Inject] public required BrowserTime BrowserTime { get; init; }

    /// <summary>The lines, fixed for the life of the component (give the chart a new @key to change them).</summary>
    [Parameter, EditorRequired] public required IReadOnlyList<ChartSeries> Series { get; set; }

    [Parameter] public string? Title { get; set; }

    [Parameter] public string? AriaLabel { get; set; }

    [Parameter] public int Height { get; set; } = 300;

    /// <summary>Points kept per line; older ones scroll out as new ones are appended.</summary>
    [Parameter] public int MaxPoints { get; set; } = 2_000;

    /// <summary>Name of the PNG the mode bar's camera button saves.</summary>
    [Parameter] public string FileName { get; set; } = "chart";

    /// <summary>How many points the first line holds now (tests and the page read it).</summary>
    public int PointCount => _traces.Count == 0 ? 0 : ((Scatter)_traces[0]).X.Count;

    protected override void OnInitialized()
    {
        var secondAxis = Series.FirstOrDefault(s => s.Axis == 2);
        var firstUnit = Series.FirstOrDefault(s => s.Axis != 2)?.Unit ?? string.Empty;
        foreach (var series in Series)
        {
            _traces.Add(new Scatter
            {
                Name = series.Unit.Length == 0 ? series.Name : $"{series.Name} ({series.Unit})",
                Mode = ModeFlag.Lines,
                X = new List<object>(),
                Y = new List<object>(),
                YAxis = series.Axis == 2 ? "y2" : "y",
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = series.Color, Width = 2 },
                HoverTemplate = "%{y:.2f}",
            });
        }

        const string grid = "rgba(128,128,128,0.25)";
        const string text = "#9aa0a6"; // readable on both the dark and the light theme
        _layout = new Plotly.Blazor.Layout
        {
            AutoSize = true,
            PaperBgColor = "rgba(0,0,0,0)",
            PlotBgColor = "rgba(0,0,0,0)",
            Font = new Font { Color = text },
            Margin = new Margin { L = 56, R = secondAxis is null ? 16 : 56, T = 36, B = 40 },
            HoverMode = HoverModeEnum.XUnified,
            UiRevision = "keep", // zoom and hidden lines survive redraws
            ShowLegend = true,
            // Above the plot: below it, a phone's rotated time labels would run into it.
            Legend =
            [
                new Legend
                {
                    Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H,
                    Y = 1.02m,
                    YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Bottom,
                    X = 0,
                },
            ],
            XAxis = [new XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date, GridColor = grid }],
            YAxis = secondAxis is null
                ? [new YAxis { GridColor = grid, Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = firstUnit } }]
                :
                [
                    new YAxis { GridColor = grid, Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = firstUnit } },
                    new YAxis
                    {
                        Overlaying = "y",
                        Side = Plotly.Blazor.LayoutLib.YAxisLib.SideEnum.Right,
                        ShowGrid = false,
                        Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = SecondAxisUnits() },
                    },
                ],
        };
        _config = new Config
        {
            Responsive = true,
            DisplayLogo = false,
            ToImageButtonOptions = new { format = "png", filename = FileName },
        };
    }

    private string SecondAxisUnits() =>
        string.Join(", ", Series.Where(s => s.Axis == 2).Select(s => s.Unit.Length == 0 ? "–" : s.Unit).Distinct());

    /// <summary>Replaces every point (history loaded, window changed): one redraw.</summary>
    public async Task ReplaceAsync(IReadOnlyList<ChartPoint> points)
    {
        var window = points.Count > MaxPoints ? points.Skip(points.Count - MaxPoints).ToList() : points;
        for (var i = 0; i < _traces.Count; i++)
        {
            var trace = (Scatter)_traces[i];
            trace.X = window.Select(p => X(p.Time)).ToList();
            trace.Y = window.Select(p => Y(p.Values, i)).ToList();
        }

        if (_chart is not null)
        {
            await _chart.React();
        }

        StateHasChanged(); // the point count on the figure; Plotly's own element never re-renders
    }

    /// <summary>Appends points at the end of every line (extendTraces): only the new points cross the circuit.</summary>
    public async Task AppendAsync(IReadOnlyList<ChartPoint> points)
    {
        if (points.Count == 0 || _traces.Count == 0)
        {
            return;
        }

        var xs = new List<IEnumerable<object>>(_traces.Count);
        var ys = new List<IEnumerable<object>>(_traces.Count);
        for (var i = 0; i < _traces.Count; i++)
        {
            xs.Add(points.Select(p => X(p.Time)).ToArray());
            ys.Add(points.Select(p => Y(p.Values, i)).ToArray());
        }

        if (_chart is null)
        {
            // Not plotted yet: the first plot will carry these points.
            for (var i = 0; i < _traces.Count; i++)
            {
                var trace = (Scatter)_traces[i];
                trace.X = trace.X.Concat(xs[i]).TakeLast(MaxPoints).ToList();
                trace.Y = trace.Y.Concat(ys[i]).TakeLast(MaxPoints).ToList();
            }

            StateHasChanged();
            return;
        }

        await _chart.ExtendTraces(xs, ys, Enumerable.Range(0, _traces.Count), MaxPoints);
        StateHasChanged();
    }

    // Plotly's date axis has no time zones: it gets the viewer's local time as text.
    private object X(DateTimeOffset time) => BrowserTime.ToLocal(time).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    // JSON has no NaN: a missing value is a gap.
    private static object Y(IReadOnlyList<double> values, int index) =>
        index < values.Count && double.IsFinite(values[index]) ? Math.Round(values[index], 4) : null!;
}
