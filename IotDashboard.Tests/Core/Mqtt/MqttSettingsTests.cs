using Bunit;
using IotDashboard.App.Components.Controls;
using IotDashboard.App.Components.Settings;
using IotDashboard.Core.Mqtt;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace IotDashboard.Tests.Core.Mqtt;

/// <summary>Settings persistence with protected secrets, and the two UI components on top of them.</summary>
public sealed class MqttSettingsTests : BunitContext, IAsyncLifetime
{
    private const string Secret = "s3cret-Passw0rd";
    private MqttTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _host = await MqttTestHost.StartAsync(new Dictionary<string, string?>());
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddSingleton(_host.Mqtt);
        // The panel saves through the admin gate; these tests render it as an administrator (the gate itself is tested in App/Security).
        var auth = AddAuthorization();
        auth.SetAuthorized("admin");
        auth.SetRoles(IotDashboard.App.Security.AppRoles.Admin);
        Services.AddScoped(sp => new IotDashboard.App.Security.MqttAdminActions(
            new IotDashboard.App.Security.AdminGate(sp.GetRequiredService<Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider>(), _host.Services.GetRequiredService<IServiceScopeFactory>(),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<IotDashboard.App.Security.AdminGate>.Instance),
            _host.Mqtt));
        JSInterop.Mode = JSRuntimeMode.Loose;
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Save_StoresSecretsProtected_AndAppliesWithoutRestart()
    {
        var errors = await _host.Mqtt.SaveSettingsAsync(new MqttSettingsUpdate
        {
            Settings = new MqttOptions { Enabled = true, Host = "127.0.0.1", Port = 1, Username = "t1/u", CumulocitySessionMode = CumulocitySessionMode.Gateway },
            NewPassword = Secret,
        });

        Assert.Empty(errors);
        await using var context = await _host.Db.CreateDbContextAsync();
        var rows = await context.Settings.AsNoTracking().Where(s => s.Key.StartsWith("mqtt.")).ToDictionaryAsync(s => s.Key, s => s.Value);
        Assert.DoesNotContain(Secret, rows[MqttSettingsStore.SettingsKey], StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, rows[MqttSettingsStore.PasswordKey], StringComparison.Ordinal);
        var view = await _host.Mqtt.GetSettingsAsync();
        Assert.True(view.HasPassword);
        Assert.Null(view.Settings.Password);
        Assert.True(_host.Mqtt.GetStatus().Enabled); // applied at once: port 1 refuses, but the connection exists
        Assert.Equal("127.0.0.1:1", _host.Mqtt.GetStatus().Endpoint);
    }

    [Fact]
    public async Task Save_WithAnUnreadableCertificate_IsRejectedWithAReadableError()
    {
        var errors = await _host.Mqtt.SaveSettingsAsync(new MqttSettingsUpdate
        {
            Settings = new MqttOptions { Host = "localhost", UseTls = true },
            CaCertificatePem = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----",
        });

        Assert.Equal(["CA certificate: this is a private key, not a certificate."], errors);
    }

    [Fact]
    public async Task Panel_NeverRendersTheStoredPassword_AndOffersSetNewPassword()
    {
        await _host.Mqtt.SaveSettingsAsync(new MqttSettingsUpdate { Settings = new MqttOptions { Host = "broker.example" }, NewPassword = Secret });

        var panel = Render<MqttSettingsPanel>();

        panel.WaitForAssertion(() => Assert.Contains("A password is stored; leave empty to keep it.", panel.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.DoesNotContain(Secret, panel.Markup, StringComparison.Ordinal);
        Assert.Contains("broker.example", panel.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Panel_WarnsWhenServerCertificateValidationIsOff()
    {
        await _host.Mqtt.SaveSettingsAsync(new MqttSettingsUpdate { Settings = new MqttOptions { Host = "broker.example", UseTls = true, AllowUntrustedServerCertificate = true } });

        var panel = Render<MqttSettingsPanel>();

        panel.WaitForAssertion(() => Assert.NotNull(panel.Find("[data-testid=mqtt-untrusted-warning]")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Indicator_SaysOff_WhenMqttIsDisabled()
    {
        var indicator = Render<MqttStatusIndicator>();

        Assert.Contains("MQTT off", indicator.Markup, StringComparison.Ordinal);
    }
}
