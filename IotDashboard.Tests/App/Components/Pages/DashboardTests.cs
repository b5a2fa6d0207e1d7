using Bunit;
using IotDashboard.App.Components.Pages;

namespace IotDashboard.Tests.App.Components.Pages;

public sealed class DashboardTests : UiTestContext
{
    [Fact]
    public async Task Dashboard_ShowsFigures_SiteAndDevices()
    {
        var siteId = await Host.CreateSiteAsync("Holiday home");
        await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), siteId, Start: false));
        await Host.Devices.CreateAsync(new("heatpump", "Heat pump", TimeSpan.FromSeconds(5), siteId, Start: false));

        var page = Render<Dashboard>();

        Assert.Equal("Dashboard", Assert.Single(page.FindAll("h1")).TextContent);
        Assert.Equal("2", page.Find("[data-testid=stat-devices]").TextContent);
        Assert.Equal("0", page.Find("[data-testid=stat-running]").TextContent);
        Assert.Equal("2", page.Find("[data-testid=stat-stopped]").TextContent);
        page.WaitForAssertion(() => Assert.Equal("0", page.Find("[data-testid=stat-stored]").TextContent));
        Assert.Contains("Holiday home", page.Find("[data-testid=site-energy]").TextContent, StringComparison.Ordinal);
        Assert.Equal(2, page.FindAll("[data-testid=dashboard-device]").Count);
    }

    [Fact]
    public async Task Reading_ArrivesThroughFeed_UpdatesTheDeviceList()
    {
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        var page = Render<Dashboard>();
        Assert.Equal("–", page.Find("[data-testid=dashboard-device-power]").TextContent);

        await PushReadingAsync(id, "pv", 2345, 231, 10.1, 1, 0.5);

        page.WaitForAssertion(() => Assert.Equal("2.35 kW", page.Find("[data-testid=dashboard-device-power]").TextContent));
    }

    [Fact]
    public async Task StartButton_StartsTheDevice_OneClick()
    {
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        RenderProviders();
        var page = Render<Dashboard>();

        page.Find("[data-testid=dashboard-device] button[aria-label=Start]").Click();

        page.WaitForAssertion(() => Assert.True(Host.Devices.Get(id)!.Running));
        page.WaitForAssertion(() =>
        {
            Assert.Contains("Running", page.Find("[data-testid=dashboard-device] [data-testid=device-status]").TextContent, StringComparison.Ordinal);
            Assert.NotNull(page.Find("[data-testid=dashboard-device] button[aria-label=Stop]"));
        });
    }

    [Fact]
    public async Task Dispose_ReleasesEverySubscription()
    {
        var siteId = await Host.CreateSiteAsync();
        await Host.Devices.CreateAsync(new("grid", "Meter", TimeSpan.FromSeconds(5), siteId, Start: false));
        Render<Dashboard>();
        Assert.True(Host.Feed.SubscriberCount > 0);

        await DisposeComponentsAsync();

        Assert.Equal(0, Host.Feed.SubscriberCount);
    }
}
