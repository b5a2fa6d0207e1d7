using Bunit;
using IotDashboard.App.Components.Controls;

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
}
