using Bunit;
using IotDashboard.App.Components.Pages;
using IotDashboard.Tests.Infrastructure;

namespace IotDashboard.Tests.App.Components.Pages;

public sealed class DeviceDetailTests : UiTestContext
{
    [Fact]
    public async Task Detail_ShowsConfiguration_AndLatestValuesArriveLive()
    {
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(2), Start: false)))[0];
        RenderProviders();
        var page = Render<DeviceDetail>(p => p.Add(d => d.Id, id));

        Assert.Equal("Roof PV", Assert.Single(page.FindAll("h1")).TextContent);
        Assert.Equal("2 s", page.Find("[data-testid=config-interval]").TextContent);
        Assert.Contains("Peak power", page.Markup, StringComparison.Ordinal);
        Assert.Contains("–", page.Find("[data-testid=latest-power]").TextContent, StringComparison.Ordinal);

        await PushReadingAsync(id, "pv", 1500, 231.5, 6.5, 1, 2.25, 640);

        page.WaitForAssertion(() =>
        {
            Assert.Contains("1.50 kW", page.Find("[data-testid=latest-power]").TextContent, StringComparison.Ordinal);
            Assert.Contains("231.5 V", page.Find("[data-testid=latest-voltage]").TextContent, StringComparison.Ordinal);
            Assert.Contains("2.25 kWh", page.Find("[data-testid=latest-energy]").TextContent, StringComparison.Ordinal);
            Assert.Contains("640.0 W/m²", page.Find("[data-testid=latest-irradiance]").TextContent, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task History_IsLoadedIntoTheChart_ThenLivePointsAreAppended()
    {
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(2), Start: false)))[0];
        await StoredReadings.WriteAsync(Host.Services, id, "pv", 30, TimeSpan.FromSeconds(2));
        var page = Render<DeviceDetail>(p => p.Add(d => d.Id, id));

        page.WaitForAssertion(() => Assert.Equal("30", page.Find("[data-testid=live-chart]").GetAttribute("data-points")));

        await PushReadingAsync(id, "pv", 2000, 230, 8.7, 1, 1);

        page.WaitForAssertion(() => Assert.Equal("31", page.Find("[data-testid=live-chart]").GetAttribute("data-points")));
    }

    [Fact]
    public async Task StartButton_StartsTheDevice()
    {
        var id = (await Host.Devices.CreateAsync(new("heatpump", "Heat pump", TimeSpan.FromSeconds(5), Start: false)))[0];
        RenderProviders();
        var page = Render<DeviceDetail>(p => p.Add(d => d.Id, id));

        page.FindAll("button").Single(b => b.TextContent.Trim() == "Start").Click();

        page.WaitForAssertion(() => Assert.True(Host.Devices.Get(id)!.Running));
        page.WaitForAssertion(() => Assert.Contains("Stop", page.FindAll("button").Select(b => b.TextContent.Trim())));
    }

    [Fact]
    public void UnknownDevice_SaysSo()
    {
        var page = Render<DeviceDetail>(p => p.Add(d => d.Id, 4242));

        Assert.Equal("Device not found", Assert.Single(page.FindAll("h1")).TextContent);
    }

    [Fact]
    public async Task Dispose_ReleasesTheSubscription()
    {
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(2), Start: false)))[0];
        Render<DeviceDetail>(p => p.Add(d => d.Id, id));
        Assert.Equal(1, Host.Feed.SubscriberCount);

        await DisposeComponentsAsync();

        Assert.Equal(0, Host.Feed.SubscriberCount);
    }
}
