using AngleSharp.Dom;
using Bunit;
using IotDashboard.App.Components.Pages;

namespace IotDashboard.Tests.App.Components.Pages;

public sealed class DeviceListTests : UiTestContext
{
    [Fact]
    public async Task Grid_ListsDevices_AndSearchFilters()
    {
        await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false));
        await Host.Devices.CreateAsync(new("heatpump", "Cellar heat pump", TimeSpan.FromSeconds(5), Start: false));
        RenderProviders();
        var page = Render<DeviceList>();

        Assert.Equal("Devices", Assert.Single(page.FindAll("h1")).TextContent);
        Assert.Equal(["Cellar heat pump", "Roof PV"], Names(page));

        page.Find("input[aria-label='Search devices']").Input("roof");

        page.WaitForAssertion(() => Assert.Equal(["Roof PV"], Names(page)));
    }

    [Fact]
    public async Task Reading_ArrivesThroughFeed_UpdatesStatusAndValues()
    {
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        RenderProviders();
        var page = Render<DeviceList>();
        Assert.Equal("–", page.Find("[data-testid=device-power]").TextContent);

        await PushReadingAsync(id, "pv", 1234, 230, 5.4, 1, 0.25);

        page.WaitForAssertion(() => Assert.Equal("1.23 kW", page.Find("[data-testid=device-power]").TextContent));
    }

    [Fact]
    public async Task RowButtons_StartAndStop_TheDevice()
    {
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        RenderProviders();
        var page = Render<DeviceList>();

        page.Find("button[aria-label=Start]").Click();
        page.WaitForAssertion(() => Assert.True(Host.Devices.Get(id)!.Running));
        page.WaitForAssertion(() => Assert.Contains("Running", page.Find("[data-testid=device-status]").TextContent, StringComparison.Ordinal));

        page.Find("button[aria-label=Stop]").Click();
        page.WaitForAssertion(() => Assert.False(Host.Devices.Get(id)!.Running));
    }

    [Fact]
    public async Task Delete_AsksFirst_ThenDeletes()
    {
        await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false));
        var dialogs = RenderProviders();
        var page = Render<DeviceList>();

        page.Find("button[aria-label=Delete]").Click();
        var confirm = dialogs.WaitForElement(".mud-dialog");
        Assert.Contains("Delete \"Roof PV\"", confirm.TextContent, StringComparison.Ordinal);
        Assert.Single(Host.Devices.List()); // nothing happened yet

        dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == "Delete").Click();

        page.WaitForAssertion(() => Assert.Empty(Host.Devices.List()));
        page.WaitForAssertion(() => Assert.Empty(Names(page)));
    }

    [Fact]
    public async Task NewDeviceDialog_ShowsValidationMessages_AndCreatesInBulk()
    {
        var dialogs = RenderProviders();
        var page = Render<DeviceList>();

        page.FindAll("button").Single(b => b.TextContent.Trim() == "New device").Click();
        var dialog = dialogs.WaitForElement(".mud-dialog");
        Assert.Contains("Solar PV parameters", dialog.TextContent, StringComparison.Ordinal);

        // Out of range: the field says what is allowed, and Create stores nothing.
        dialogs.Find("[data-testid=parameter-peak_power]").Input("5");
        dialogs.Find("[data-testid=new-device-count]").Input("0");
        dialogs.Find("[data-testid=new-device-interval]").Input("50");
        dialogs.WaitForAssertion(() =>
        {
            var text = dialogs.Find(".mud-dialog").TextContent;
            Assert.Contains("Peak power must be between 100 and 1000000 W (got 5).", text, StringComparison.Ordinal);
            Assert.Contains("How many must be between 1 and 10,000.", text, StringComparison.Ordinal);
            Assert.Contains("Interval must be between 100 ms and 3,600,000 ms (1 hour).", text, StringComparison.Ordinal);
        });
        Click(dialogs, "Create");
        dialogs.WaitForAssertion(() => Assert.Contains("Count must be between 1 and 10,000.", dialogs.Find("[data-testid=dialog-errors]").TextContent, StringComparison.Ordinal));
        Assert.Empty(Host.Devices.List());

        // Fixed: three devices named with a running number.
        dialogs.Find("[data-testid=parameter-peak_power]").Input("4000");
        dialogs.Find("[data-testid=new-device-count]").Input("3");
        dialogs.Find("[data-testid=new-device-interval]").Input("1000");
        dialogs.Find("[data-testid=new-device-name]").Input("Array");
        Click(dialogs, "Create");

        page.WaitForAssertion(() => Assert.Equal(["Array 0001", "Array 0002", "Array 0003"], Host.Devices.List().Select(d => d.Name).ToArray()));
        Assert.All(Host.Devices.List(), d => Assert.Equal(4000, d.Parameters["peak_power"]));
        page.WaitForAssertion(() => Assert.Equal(3, Names(page).Length));
    }

    [Fact]
    public async Task Dispose_ReleasesTheSubscription()
    {
        await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false));
        RenderProviders();
        Render<DeviceList>();
        Assert.Equal(1, Host.Feed.SubscriberCount);

        await DisposeComponentsAsync();

        Assert.Equal(0, Host.Feed.SubscriberCount);
    }

    private static string[] Names(IRenderedComponent<DeviceList> page) =>
        [.. page.FindAll("[data-testid=device-link]").Select(a => a.TextContent.Trim())];

    private static void Click(IRenderedComponent<MudBlazor.MudDialogProvider> dialogs, string text) =>
        dialogs.FindAll(".mud-dialog button").Single(b => b.TextContent.Trim() == text).Click();
}
