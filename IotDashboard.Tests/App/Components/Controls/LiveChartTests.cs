using Bunit;
using IotDashboard.App.Components.Controls;
using IotDashboard.App.Model;
using Microsoft.Extensions.DependencyInjection;

namespace IotDashboard.Tests.App.Components.Controls;

public sealed class LiveChartTests : MudTestContext
{
    private const string PlotlyModule = "./_content/Plotly.Blazor/plotly-interop-7.2.0.js";

    private static readonly ChartSeries[] _series = [new("Power", "W"), new("Voltage", "V", Axis: 2)];

    public LiveChartTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddScoped<BrowserTime>();
    }

    [Fact]
    public async Task Append_AfterReplace_ExtendsTracesWithoutRedraw()
    {
        var module = JSInterop.SetupModule(PlotlyModule);
        var chart = Render<LiveChart>(p => p.Add(c => c.Series, _series).Add(c => c.Title, "Test chart").Add(c => c.MaxPoints, 100));
        var t0 = DateTimeOffset.UtcNow;

        await chart.InvokeAsync(() => chart.Instance.ReplaceAsync([new ChartPoint(t0, [1, 230]), new ChartPoint(t0.AddSeconds(1), [2, 231])]));
        var redrawsBefore = module.Invocations.Count(i => i.Identifier is "react" or "newPlot");
        await chart.InvokeAsync(() => chart.Instance.AppendAsync([new ChartPoint(t0.AddSeconds(2), [3, double.NaN])]));

        Assert.Equal(3, chart.Instance.PointCount);
        var extend = Assert.Single(module.Invocations, i => i.Identifier == "extendTraces");
        Assert.Equal(100, extend.Arguments[^1]); // the max keeps the line bounded
        Assert.Equal(redrawsBefore, module.Invocations.Count(i => i.Identifier is "react" or "newPlot"));
        chart.Find("figcaption").MarkupMatches("<figcaption><p class=\"mud-typography mud-typography-subtitle2 mb-1\">Test chart</p></figcaption>");
    }

    [Fact]
    public async Task Append_BeyondMaxPoints_DropsTheOldest()
    {
        JSInterop.SetupModule(PlotlyModule);
        var chart = Render<LiveChart>(p => p.Add(c => c.Series, _series).Add(c => c.MaxPoints, 5));
        var t0 = DateTimeOffset.UtcNow;

        for (var i = 0; i < 8; i++)
        {
            var point = new ChartPoint(t0.AddSeconds(i), [i, 230]);
            await chart.InvokeAsync(() => chart.Instance.AppendAsync([point]));
        }

        Assert.Equal(5, chart.Instance.PointCount);
    }

    [Fact]
    public void Render_HasAccessibleFigure()
    {
        var chart = Render<LiveChart>(p => p.Add(c => c.Series, _series).Add(c => c.AriaLabel, "Power of Roof PV"));

        var figure = chart.Find("figure");
        Assert.Equal("figure", figure.GetAttribute("role"));
        Assert.Equal("Power of Roof PV", figure.GetAttribute("aria-label"));
    }
}
