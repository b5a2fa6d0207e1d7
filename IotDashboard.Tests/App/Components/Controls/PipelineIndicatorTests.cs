using Bunit;
using IotDashboard.App.Components.Controls;
using IotDashboard.Core.Simulation;
using Microsoft.Extensions.DependencyInjection;

namespace IotDashboard.Tests.App.Components.Controls;

public sealed class PipelineIndicatorTests : UiTestContext
{
    [Fact]
    public async Task Indicator_ShowsRate_AndRisesWhenADeviceRuns()
    {
        var indicator = Render<PipelineIndicator>();
        Assert.Equal("0", indicator.Find("[data-testid=readings-per-second]").TextContent);

        await Host.Devices.CreateAsync(new("pv", "Fast PV", TimeSpan.FromMilliseconds(100)));

        // The rate refreshes on its own timer, with no user action.
        indicator.WaitForAssertion(
            () => Assert.NotEqual("0", indicator.Find("[data-testid=readings-per-second]").TextContent),
            TimeSpan.FromSeconds(15));
        Assert.Contains("readings/s", indicator.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void StorageError_ShowsARedChipWithTheReason_UntilTheWriterRecovers()
    {
        var metrics = Host.Services.GetRequiredService<PipelineMetrics>();
        var indicator = Render<PipelineIndicator>();
        Assert.Empty(indicator.FindAll("[data-testid=sink-error]"));

        // What the storage writer records when PostgreSQL goes away, before it retries.
        metrics.RecordSinkError("storage", new InvalidOperationException("Failed to connect to 127.0.0.1:5432"));

        indicator.WaitForAssertion(() =>
        {
            var chip = indicator.Find("[data-testid=sink-error]");
            Assert.Equal("storage", chip.GetAttribute("data-sink"));
            Assert.Contains("Storage error", chip.TextContent, StringComparison.Ordinal);
            Assert.Contains("Failed to connect to 127.0.0.1:5432", chip.GetAttribute("title"), StringComparison.Ordinal);
        });

        metrics.ClearSinkError("storage");

        indicator.WaitForAssertion(() => Assert.Empty(indicator.FindAll("[data-testid=sink-error]")));
    }
}
