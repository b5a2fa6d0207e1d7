using System.Net;
using System.Text.Json;
using IotDashboard.App.Security;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Settings;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IotDashboard.Tests.App.Security;

/// <summary>
/// Hostile input fed to every field an administrator can fill in (through the server-side facades the UI calls)
/// and to every parameter of the HTTP endpoints: each is refused with a message saying what is allowed, nothing
/// is stored, and no request ends in an error page.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Text: empty, blank, too long, control and invisible characters, look-alike scripts, SQL, markup, templates.</summary>
    public static readonly string[] HostileText =
    [
        "", "   ", new string('a', 101), new string('x', 100_000), "nul\0byte", "line\nbreak", "tab\there", "bell\u0007",
        "\u202Egnp.exe", "zero\u200Bwidth", "Pаypal" /* Cyrillic а */, "Αdmin" /* Greek Alpha */, "\uD800lone surrogate",
        "Robert'); DROP TABLE device_configs;--", "' OR '1'='1", "1; DELETE FROM users", "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>", "javascript:alert(1)", "\"><svg onload=alert(1)>", "${jndi:ldap://x/a}", "{{7*7}}", "%00",
    ];

    /// <summary>Numbers: not numbers, infinities, huge and negative.</summary>
    public static readonly double[] HostileNumbers = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, double.MinValue, 1e308, -1e308, -1];

    public static readonly int[] HostileInts = [int.MinValue, -1, 0, 99, 3_600_001, int.MaxValue];

    private AppHostServices _host = null!;
    private Caller _admin = null!;
    private int _deviceId;
    private int _siteId;
    private int _tried;

    public async Task InitializeAsync()
    {
        _host = await AppHostServices.StartAsync();
        _admin = Caller.For(_host, FixedAuthenticationStateProvider.User(_host.AdminId, AppHostServices.AdminName, AppRoles.Admin));
        _siteId = await _host.CreateSiteAsync();
        _deviceId = (await _host.Devices.CreateAsync(new("pv", "Existing PV", TimeSpan.FromSeconds(5), _siteId, Start: false)))[0];
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task EveryFormField_RefusesHostileInput_WithAMessage_AndStoresNothing()
    {
        var before = await SnapshotAsync();
        var pv = _host.Devices.Types.Get("pv");
        var parameter = pv.Parameters[0];
        var fine = new Dictionary<string, double>();
        var ok = TimeSpan.FromSeconds(5);

        foreach (var text in HostileText)
        {
            await RefusedAsync<DeviceValidationException>("device name (create)", () => _admin.Actions.CreateDevicesAsync(new("pv", text, ok, Start: false)));
            await RefusedAsync<DeviceValidationException>("device name (edit)", () => _admin.Actions.ConfigureDeviceAsync(_deviceId, ok, fine, text));
            await RefusedAsync<DeviceValidationException>("device type", () => _admin.Actions.CreateDevicesAsync(new(text, "Fine name", ok, Start: false)));
            await RefusedAsync<DeviceValidationException>("site name (create)", () => _admin.Actions.CreateSiteAsync(text, 1, 1, 0.5));
            await RefusedAsync<DeviceValidationException>("site name (edit)", () => _admin.Actions.UpdateSiteAsync(_siteId, text, 1, 1, 0.5));
            await RefusedAsync<UserValidationException>("user name", () => _admin.Users.CreateAsync(text, "a fine long password", AppRoles.Viewer));
            await RefusedAsync<UserValidationException>("role (create)", () => _admin.Users.CreateAsync("fine-name", "a fine long password", text));
            await RefusedAsync<UserValidationException>("role (change)", () => _admin.Users.SetRoleAsync(_host.ViewerId, text));
            if (text.Length is < 10 or > 128 || text.Any(char.IsControl) || text.Distinct().Count() < 4)
            {
                // Passwords may be any printable text of 10–128 characters; only the rest is hostile to them.
                await RefusedAsync<UserValidationException>("password (create)", () => _admin.Users.CreateAsync("fine-name", text, AppRoles.Viewer));
                await RefusedAsync<UserValidationException>("password (reset)", () => _admin.Users.ResetPasswordAsync(_host.ViewerId, text));
            }
        }

        foreach (var number in HostileNumbers)
        {
            var bad = new Dictionary<string, double> { [parameter.Key] = number };
            await RefusedAsync<DeviceValidationException>("device parameter (create)", () => _admin.Actions.CreateDevicesAsync(new("pv", "Fine name", ok, Parameters: bad, Start: false)));
            await RefusedAsync<DeviceValidationException>("device parameter (edit)", () => _admin.Actions.ConfigureDeviceAsync(_deviceId, ok, bad));
            await RefusedAsync<DeviceValidationException>("latitude", () => _admin.Actions.CreateSiteAsync("Fine site", number == -1 ? -91 : number, 1, 0.5));
            await RefusedAsync<DeviceValidationException>("longitude", () => _admin.Actions.UpdateSiteAsync(_siteId, "Fine site", 1, number == -1 ? 181 : number, 0.5));
            await RefusedAsync<DeviceValidationException>("cloudiness", () => _admin.Actions.CreateSiteAsync("Fine site", 1, 1, number));
        }

        foreach (var interval in new[] { TimeSpan.MinValue, TimeSpan.FromMilliseconds(-1), TimeSpan.Zero, TimeSpan.FromMilliseconds(99), TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(1), TimeSpan.MaxValue })
        {
            await RefusedAsync<DeviceValidationException>("interval (create)", () => _admin.Actions.CreateDevicesAsync(new("pv", "Fine name", interval, Start: false)));
            await RefusedAsync<DeviceValidationException>("interval (edit)", () => _admin.Actions.ConfigureDeviceAsync(_deviceId, interval, fine));
        }

        foreach (var number in HostileInts)
        {
            if (number is < 1 or > 10_000)
            {
                await RefusedAsync<DeviceValidationException>("bulk count", () => _admin.Actions.CreateDevicesAsync(new("pv", "Fine name", ok, Count: number, Start: false)));
            }

            await RefusedAsync<DeviceValidationException>("default interval", () => _admin.Actions.SaveSimulationDefaultsAsync(new SimulationDefaults(number, true, 30)));
            if (number is < 0 or > SimulationDefaults.MaxRetentionDays)
            {
                await RefusedAsync<DeviceValidationException>("retention days", () => _admin.Actions.SaveSimulationDefaultsAsync(new SimulationDefaults(5000, true, number)));
            }
        }

        await RefusedAsync<DeviceValidationException>("site of a device", () => _admin.Actions.CreateDevicesAsync(new("pv", "Fine name", ok, SiteId: int.MaxValue, Start: false)));
        await RefusedAsync<DeviceValidationException>("device id (edit)", () => _admin.Actions.ConfigureDeviceAsync(int.MinValue, ok, fine));

        Assert.Equal(before, await SnapshotAsync());
        output.WriteLine($"{_tried} hostile form inputs tried, {_tried} refused with a message, nothing stored.");
        Assert.True(_tried > 250, $"only {_tried} inputs tried");
    }

    [Fact]
    public async Task EveryEndpointParameter_RefusesHostileInput_With400AndAMessage()
    {
        await using var app = new AppHostFactory(seedDemo: false);
        using var client = await app.CreateSignedInClientAsync();
        var tried = 0;
        var values = HostileText.Where(t => t.Length > 0 && !t.Contains('\0', StringComparison.Ordinal))
            .Select(t => t.Length > 5_000 ? t[..5_000] : t) // a URL of 100 kB is refused by the server before the app
            .Concat(HostileNumbers.Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Concat(["99999999999999999999", "-5", "1,2,x", "0x10", "1e3", "2026-13-45T99:99:99Z", "9999999-01-01"])
            .Distinct();
        foreach (var value in values)
        {
            foreach (var parameter in new[] { "devices", "type", "from", "to", "sort" })
            {
                if (parameter == "devices" && value == "1e308")
                {
                    continue;
                }

                var response = await client.GetAsync(new Uri($"/api/readings.csv?{parameter}={Uri.EscapeDataString(value)}", UriKind.Relative));
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{parameter}={value}: {(int)response.StatusCode}");
                var error = JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!;
                Assert.Contains($"{(parameter == "to" || parameter == "from" ? parameter : parameter)} must", error, StringComparison.Ordinal);
                Assert.DoesNotContain("<", error.Replace(value, string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
                Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType); // never HTML: nothing reflected into a page
                tried++;
            }
        }

        // The sign-in form: refused with a message, no cookie, no error page.
        foreach (var text in HostileText)
        {
            using var anonymous = app.CreateCookieClient();
            var response = await AppHostFactory.PostLoginAsync(anonymous, text, text);
            var html = await response.Content.ReadAsStringAsync();
            // The form says what is wrong; a NUL character is refused by the form binding itself with a bare 400.
            Assert.True(response.StatusCode == HttpStatusCode.OK || (response.StatusCode == HttpStatusCode.BadRequest && text.Contains('\0', StringComparison.Ordinal)),
                $"sign-in '{text[..Math.Min(20, text.Length)]}': {(int)response.StatusCode}");
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest || html.Contains("Wrong user name or password.", StringComparison.Ordinal) || html.Contains("validation-message", StringComparison.Ordinal), "a message");
            Assert.DoesNotContain("Exception", html, StringComparison.Ordinal); // no error page
            Assert.DoesNotContain("<script>alert(1)</script>", html, StringComparison.Ordinal); // rendered as text, never markup
            Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("IotDashboard.Auth=", StringComparison.Ordinal)));
            tried++;
        }

        output.WriteLine($"{tried} hostile endpoint inputs tried, {tried} refused with a message.");
    }

    private async Task RefusedAsync<TException>(string field, Func<Task> act)
        where TException : ArgumentException
    {
        _tried++;
        var refused = await Record.ExceptionAsync(act);
        Assert.True(refused is TException, $"{field}: expected a {typeof(TException).Name}, got {refused?.GetType().Name ?? "no refusal"}");
        var messages = refused is DeviceValidationException d ? d.Errors : ((UserValidationException)refused!).Errors;
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.True(m.Contains("must", StringComparison.Ordinal) || m.Contains("may", StringComparison.Ordinal) || m.Contains("does not exist", StringComparison.Ordinal), $"{field}: '{m}' does not say what is allowed"));
    }

    private async Task<string> SnapshotAsync()
    {
        var devices = string.Join("|", _host.Devices.List().Select(d => $"{d.Id}:{d.Name}:{d.Interval}:{string.Join(",", d.Parameters.Select(p => $"{p.Key}={p.Value}"))}"));
        var sites = string.Join("|", _host.Devices.ListSites().Select(s => $"{s.Id}:{s.Name}:{s.Latitude}:{s.Longitude}:{s.Cloudiness}"));
        var store = _host.Services.GetRequiredService<AppSettingsStore>();
        var users = string.Join("|", (await _admin.Users.ListAsync()).Select(u => $"{u.UserName}:{u.Role}"));
        await using var scope = _host.Services.CreateAsyncScope();
        var manager = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Microsoft.AspNetCore.Identity.IdentityUser>>();
        var viewer = await manager.FindByIdAsync(_host.ViewerId);
        return $"{devices}\n{sites}\n{store.GetInt(AppSettingsStore.DefaultIntervalKey)}:{store.GetInt(AppSettingsStore.RetentionDaysKey)}\n{users}\n{viewer!.PasswordHash}";
    }
}
