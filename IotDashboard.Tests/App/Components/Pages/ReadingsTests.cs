using Bunit;
using IotDashboard.App.Components.Pages;
using IotDashboard.Tests.Infrastructure;

namespace IotDashboard.Tests.App.Components.Pages;

public sealed class ReadingsTests : UiTestContext
{
    [Fact]
    public async Task Grid_PagesOnTheServer_AndTheFilterNarrowsIt()
    {
        var pv = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        var heatPump = (await Host.Devices.CreateAsync(new("heatpump", "Heat pump", TimeSpan.FromSeconds(5), Start: false)))[0];
        await StoredReadings.WriteAsync(Host.Services, pv, "pv", 40, TimeSpan.FromSeconds(10));
        await StoredReadings.WriteAsync(Host.Services, heatPump, "heatpump", 30, TimeSpan.FromSeconds(10));
        RenderProviders();
        var page = Render<Readings>();

        Assert.Equal("Data", Assert.Single(page.FindAll("h1")).TextContent);
        page.WaitForAssertion(() => Assert.Equal(25, page.FindAll("[data-testid=readings-grid] tbody tr.mud-table-row").Count));
        page.WaitForAssertion(() => Assert.Equal("70 readings match", page.Find("[data-testid=match-count]").TextContent.Trim()));

        await page.InvokeAsync(() => page.Instance.OnTypeChangedAsync("heatpump"));

        page.WaitForAssertion(() => Assert.Equal("30 readings match", page.Find("[data-testid=match-count]").TextContent.Trim()));
        page.WaitForAssertion(() => Assert.All(
            page.FindAll("[data-testid=readings-grid] tbody tr.mud-table-row"),
            row => Assert.Contains("Heat pump", row.TextContent, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ExportCsv_DownloadsTheFilteredRange()
    {
        var pv = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        RenderProviders();
        var page = Render<Readings>();
        await page.InvokeAsync(() => page.Instance.OnDevicesChangedAsync([pv]));

        // The grid may re-render under the click while its first page loads: click until it lands.
        page.WaitForAssertion(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "Export CSV").Click());

        var download = Assert.Single(JSInterop.Invocations, i => i.Identifier == "iotDashboard.download");
        var url = Assert.IsType<string>(download.Arguments[0]);
        Assert.StartsWith("api/readings.csv?", url, StringComparison.Ordinal);
        Assert.Contains($"devices={pv}", url, StringComparison.Ordinal);
        Assert.Contains("from=", url, StringComparison.Ordinal); // the "last hour" preset
    }

    [Fact]
    public async Task Chart_ShowsThePowerOfTheChosenDevices()
    {
        var pv = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        await StoredReadings.WriteAsync(Host.Services, pv, "pv", 20, TimeSpan.FromSeconds(30));
        RenderProviders();
        var page = Render<Readings>();

        page.WaitForAssertion(() => Assert.Equal("20", page.Find("[data-testid=live-chart]").GetAttribute("data-points")));
    }
}
