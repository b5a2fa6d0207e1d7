using Bunit;
using IotDashboard.App.Components.Controls;

namespace IotDashboard.Tests.App.Components.Controls;

public sealed class EnergySiteCardTests : UiTestContext
{
    [Fact]
    public async Task GridMeterReading_ArrivesThroughFeed_ShowsTheFlow()
    {
        var siteId = await Host.CreateSiteAsync("Home");
        var meterId = (await Host.Devices.CreateAsync(new("grid", "Meter", TimeSpan.FromSeconds(5), siteId, Start: false)))[0];
        var card = Render<EnergySiteCard>(p => p.Add(c => c.Site, Host.Devices.ListSites()[0]));
        Assert.Contains("no readings yet", card.Markup, StringComparison.Ordinal);

        // power (grid) −1500 W = export; household, pv and consumer power at the end of the meter's series.
        var type = Host.Devices.Types.Get("grid");
        var values = new double[type.Series.Count];
        values[0] = -1500;
        values[IndexOf(type, "household_power")] = 800;
        values[IndexOf(type, "pv_power")] = 3000;
        values[IndexOf(type, "consumer_power")] = 700;
        await PushReadingAsync(meterId, "grid", values);

        card.WaitForAssertion(() =>
        {
            Assert.Contains("Grid: exporting", card.Find("[data-testid=energy-grid]").TextContent, StringComparison.Ordinal);
            Assert.Contains("1.50 kW", card.Find("[data-testid=energy-grid]").TextContent, StringComparison.Ordinal);
            Assert.Contains("3.00 kW", card.Find("[data-testid=energy-pv]").TextContent, StringComparison.Ordinal);
            Assert.Equal("800 W", card.Find("[data-testid=energy-household]").TextContent);
            Assert.Equal("700 W", card.Find("[data-testid=energy-heatpump]").TextContent);
            Assert.Contains("100% from solar", card.Markup, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Dispose_ReleasesEverySubscription()
    {
        var siteId = await Host.CreateSiteAsync();
        await Host.Devices.CreateAsync(new("grid", "Meter", TimeSpan.FromSeconds(5), siteId, Start: false));
        var card = Render<EnergySiteCard>(p => p.Add(c => c.Site, Host.Devices.ListSites()[0]));
        Assert.Equal(2, Host.Feed.SubscriberCount); // the fleet and the meter

        await DisposeComponentsAsync();

        Assert.Equal(0, Host.Feed.SubscriberCount);
    }

    private static int IndexOf(IotDashboard.Core.Devices.IDeviceType type, string key) => type.Series.Select(s => s.Key).ToList().IndexOf(key);
}
