using Bunit;
using IotDashboard.App.Components.Pages;
using IotDashboard.App.Model;
using IotDashboard.App.Security;
using IotDashboard.Tests.App.Components;
using Microsoft.Extensions.DependencyInjection;

namespace IotDashboard.Tests.App.Security;

/// <summary>
/// A viewer's circuit in bUnit: the admin controls are hidden, and when the events are sent anyway (the dialog
/// opened and submitted, the commands invoked) the server refuses and nothing changes.
/// </summary>
public sealed class ViewerCircuitTests : UiTestContext
{
    [Fact]
    public async Task Viewer_SeesTheDevices_ButNoAdminButtons()
    {
        SignInAsViewer();
        await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false));

        var page = Render<DeviceList>();

        page.WaitForAssertion(() => Assert.Contains("Roof PV", page.Markup, StringComparison.Ordinal));
        var buttons = page.FindAll("button").Select(b => b.GetAttribute("aria-label") ?? b.TextContent.Trim()).ToList();
        Assert.DoesNotContain("New device", buttons);
        Assert.DoesNotContain("Start", buttons);
        Assert.DoesNotContain("Delete", buttons);
    }

    [Fact]
    public void Viewer_Settings_AreReadOnly()
    {
        SignInAsViewer();

        var page = Render<Settings>();

        Assert.NotNull(page.Find("[data-testid=settings-readonly]"));
        Assert.DoesNotContain(page.FindAll("button"), b => b.TextContent.Trim() == "Save");
    }

    [Fact]
    public async Task Viewer_CraftedEvents_AreRefusedOnTheServer()
    {
        SignInAsViewer();
        var id = (await Host.Devices.CreateAsync(new("pv", "Roof PV", TimeSpan.FromSeconds(5), Start: false)))[0];
        var dialogs = RenderProviders();
        var commands = Services.GetRequiredService<DeviceCommands>();

        // The create dialog opened and submitted from a viewer's circuit.
        _ = dialogs.InvokeAsync(commands.CreateAsync);
        dialogs.WaitForElement("[data-testid=new-device-name]");
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Create").Click();
        dialogs.WaitForAssertion(() => Assert.Contains(AdminGate.RefusedMessage, dialogs.Find("[data-testid=dialog-errors]").TextContent, StringComparison.Ordinal));

        // A command invoked directly.
        await dialogs.InvokeAsync(() => commands.StartAsync([id]));
        Assert.Single(Host.Devices.List());
        Assert.False(Host.Devices.Get(id)!.Running);
    }
}
