using Bunit;
using IotDashboard.App.Components.Pages;
using IotDashboard.Core.Settings;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IotDashboard.Tests.App.Components.Pages;

public sealed class SettingsTests : UiTestContext
{
    [Fact]
    public void Settings_ShowsTheDefaults_AndThePlaceForMqtt()
    {
        var page = Render<Settings>();

        Assert.Equal("Settings", Assert.Single(page.FindAll("h1")).TextContent);
        Assert.Equal("5000", page.Find("[data-testid=settings-interval]").GetAttribute("value"));
        Assert.Equal("30", page.Find("[data-testid=settings-retention]").GetAttribute("value"));
        Assert.Contains("MQTT", page.Find("[data-testid=mqtt-settings-slot]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidRetention_SaysWhatIsAllowed_AndCannotBeSaved()
    {
        RenderProviders();
        var page = Render<Settings>();

        page.Find("[data-testid=settings-retention]").Input("-3");

        page.WaitForAssertion(() => Assert.Contains("Retention must be between 0 (keep everything) and 36,500 days.", page.Markup, StringComparison.Ordinal));
        Assert.True(page.FindAll("button").Single(b => b.TextContent.Trim() == "Save").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Save_PersistsInTheDatabase_AndAppliesToOptions()
    {
        RenderProviders();
        var page = Render<Settings>();

        page.Find("[data-testid=settings-retention]").Input("7");
        page.Find("[data-testid=settings-interval]").Input("1500");
        page.FindAll("button").Single(b => b.TextContent.Trim() == "Save").Click();

        var storage = Host.Services.GetRequiredService<IOptionsMonitor<StorageOptions>>();
        var simulation = Host.Services.GetRequiredService<IOptionsMonitor<SimulationOptions>>();
        page.WaitForAssertion(() => Assert.Equal(7, storage.CurrentValue.RetentionDays));
        Assert.Equal(1500, simulation.CurrentValue.DefaultIntervalMs);

        // A fresh store (as after a restart) reads them back from app_settings.
        var reread = new AppSettingsStore(Host.Services.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<IotDbContext>>(), TimeProvider.System);
        Assert.Equal(7, reread.GetInt(AppSettingsStore.RetentionDaysKey));
        Assert.Equal(1500, reread.GetInt(AppSettingsStore.DefaultIntervalKey));
        await Task.CompletedTask;
    }
}
