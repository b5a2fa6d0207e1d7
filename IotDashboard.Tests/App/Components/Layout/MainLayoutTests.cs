using Bunit;
using IotDashboard.App.Components.Layout;
using Microsoft.AspNetCore.Components;

namespace IotDashboard.Tests.App.Components.Layout;

public sealed class MainLayoutTests : UiTestContext
{
    [Fact]
    public void Shell_HasProductName_Navigation_AndMqttSpot()
    {
        var layout = RenderLayout();

        Assert.Contains("IotDashboard", layout.Find("header").TextContent, StringComparison.Ordinal);
        var links = layout.FindAll("nav a").Select(a => a.TextContent.Trim()).ToList();
        Assert.Equal(["Dashboard", "Devices", "Data", "Settings", "Users"], links); // Users: administrators only
        Assert.NotNull(layout.Find("[data-testid=mqtt-indicator-slot]"));
        Assert.NotNull(layout.Find("[data-testid=pipeline-indicator]"));
        Assert.Equal("page", layout.Find("main").TextContent.Trim());
    }

    [Fact]
    public void Theme_IsDarkByDefault_AndTheSwitchIsRemembered()
    {
        var layout = RenderLayout();
        var toggle = layout.Find("button[aria-label='Switch to light theme']");

        toggle.Click();

        Assert.NotNull(layout.Find("button[aria-label='Switch to dark theme']"));
        var stored = Assert.Single(JSInterop.Invocations, i => i.Identifier == "iotDashboard.setTheme");
        Assert.Equal("light", stored.Arguments[0]);
    }

    [Fact]
    public void Theme_RememberedLight_IsRestored()
    {
        JSInterop.Setup<string?>("iotDashboard.getTheme").SetResult("light");

        var layout = RenderLayout();

        layout.WaitForAssertion(() => Assert.NotNull(layout.Find("button[aria-label='Switch to dark theme']")));
    }

    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
}
