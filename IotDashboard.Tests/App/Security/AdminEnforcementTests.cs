using System.Reflection;
using IotDashboard.App.Security;
using IotDashboard.Core.Settings;
using IotDashboard.Core.Simulation;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IotDashboard.Tests.App.Security;

/// <summary>
/// The server-side control: every admin action the UI can reach goes through <see cref="AdminActions"/> or
/// <see cref="UserAdministration"/>, and each refuses anyone who is not an administrator in the database — an
/// anonymous circuit, a viewer, a viewer whose principal carries a forged Admin role claim, a demoted admin —
/// before anything is changed.
/// </summary>
public sealed class AdminEnforcementTests : IAsyncLifetime
{
    private AppHostServices _host = null!;
    private int _deviceId;
    private int _siteId;

    public async Task InitializeAsync()
    {
        _host = await AppHostServices.StartAsync();
        _siteId = await _host.CreateSiteAsync();
        _deviceId = (await _host.Devices.CreateAsync(new("pv", "Existing PV", TimeSpan.FromSeconds(5), _siteId, Start: false)))[0];
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>Every admin action, each with valid arguments, so only the caller's role can make it fail (in an order an admin can run them).</summary>
    private IReadOnlyList<(string Name, Func<Caller, Task> Act)> EveryAdminAction() =>
    [
        (nameof(AdminActions.CreateDevicesAsync), c => c.Actions.CreateDevicesAsync(new("pv", "New PV", TimeSpan.FromSeconds(5), Start: false))),
        (nameof(AdminActions.StartDevicesAsync), c => c.Actions.StartDevicesAsync([_deviceId])),
        (nameof(AdminActions.StopDevicesAsync), c => c.Actions.StopDevicesAsync([_deviceId])),
        (nameof(AdminActions.ConfigureDeviceAsync), c => c.Actions.ConfigureDeviceAsync(_deviceId, TimeSpan.FromSeconds(9), new Dictionary<string, double>(), "Renamed")),
        (nameof(AdminActions.DeleteDevicesAsync), c => c.Actions.DeleteDevicesAsync([_deviceId])),
        (nameof(AdminActions.CreateSiteAsync), c => c.Actions.CreateSiteAsync("New site", 48.1, 11.6, 0.2)),
        (nameof(AdminActions.UpdateSiteAsync), c => c.Actions.UpdateSiteAsync(_siteId, "Moved site", 10, 10, 0.9)),
        (nameof(AdminActions.SaveSimulationDefaultsAsync), c => c.Actions.SaveSimulationDefaultsAsync(new SimulationDefaults(1234, false, 3))),
        (nameof(MqttAdminActions.SaveSettingsAsync), c => c.Mqtt.SaveSettingsAsync(new() { Settings = new() { Host = "attacker.example" }, NewPassword = "stolen" })),
        (nameof(MqttAdminActions.TestConnectionAsync), c => c.Mqtt.TestConnectionAsync(new() { Settings = new() { Host = "127.0.0.1", Port = 1 } })),
        (nameof(UserAdministration.ListAsync), c => c.Users.ListAsync()),
        (nameof(UserAdministration.CreateAsync), c => c.Users.CreateAsync("intruder", "long enough password", AppRoles.Admin)),
        (nameof(UserAdministration.SetRoleAsync), c => c.Users.SetRoleAsync(_host.ViewerId, AppRoles.Admin)),
        (nameof(UserAdministration.ResetPasswordAsync), c => c.Users.ResetPasswordAsync(_host.AdminId, "attacker password")),
        (nameof(UserAdministration.DeleteAsync), c => c.Users.DeleteAsync(_host.AdminId)),
    ];

    [Fact]
    public void TheListCoversEveryPublicAdminMethod()
    {
        static IEnumerable<string> Methods(Type type) =>
            type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name);

        var open = new[] { nameof(UserAdministration.IsFirstRunAsync), nameof(UserAdministration.CreateFirstAdminAsync) }; // first run: no user exists yet
        var expected = Methods(typeof(AdminActions)).Concat(Methods(typeof(MqttAdminActions))).Concat(Methods(typeof(UserAdministration)).Except(open)).Order().ToList();

        Assert.Equal(expected, EveryAdminAction().Select(a => a.Name).Order().ToList());
    }

    public static TheoryData<string> Intruders => ["anonymous", "viewer", "viewer with a forged Admin claim", "unknown user id with an Admin claim"];

    [Theory]
    [MemberData(nameof(Intruders))]
    public async Task EveryAdminAction_IsRefusedOnTheServer_AndChangesNothing(string who)
    {
        var authentication = who switch
        {
            "anonymous" => FixedAuthenticationStateProvider.Anonymous(),
            "viewer" => FixedAuthenticationStateProvider.User(_host.ViewerId, AppHostServices.ViewerName, AppRoles.Viewer),
            "viewer with a forged Admin claim" => FixedAuthenticationStateProvider.User(_host.ViewerId, AppHostServices.ViewerName, AppRoles.Admin),
            _ => FixedAuthenticationStateProvider.User(Guid.NewGuid().ToString(), "ghost", AppRoles.Admin),
        };
        var caller = Caller.For(_host, authentication);
        var before = await SnapshotAsync();

        foreach (var (name, act) in EveryAdminAction())
        {
            var refused = await Assert.ThrowsAsync<UnauthorizedAccessException>(() => act(caller));
            Assert.True(refused.Message == AdminGate.RefusedMessage, $"{name}: {refused.Message}");
        }

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Admin_MayDoEveryAction()
    {
        var admin = Caller.For(_host, FixedAuthenticationStateProvider.User(_host.AdminId, AppHostServices.AdminName, AppRoles.Admin));
        await _host.CreateUserAsync("second-admin", AppRoles.Admin); // so that deleting the first admin is allowed

        foreach (var (_, act) in EveryAdminAction())
        {
            await act(admin);
        }

        Assert.Null(_host.Devices.Get(_deviceId));
        Assert.Null(await _host.FindUserAsync(AppHostServices.AdminName));
        Assert.NotNull(await _host.FindUserAsync("intruder"));
        Assert.Equal(1234, _host.Services.GetRequiredService<IOptionsMonitor<SimulationOptions>>().CurrentValue.DefaultIntervalMs);
    }

    [Fact]
    public async Task Admin_DemotedToViewer_IsRefusedAtOnce_EvenWithTheOldAdminClaim()
    {
        var secondId = await _host.CreateUserAsync("second-admin", AppRoles.Admin);
        var admin = Caller.For(_host, FixedAuthenticationStateProvider.User(_host.AdminId, AppHostServices.AdminName, AppRoles.Admin));
        var second = Caller.For(_host, FixedAuthenticationStateProvider.User(secondId, "second-admin", AppRoles.Admin));
        await second.Actions.StartDevicesAsync([_deviceId]);

        await admin.Users.SetRoleAsync(secondId, AppRoles.Viewer);

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => second.Actions.StopDevicesAsync([_deviceId]));
        Assert.True(_host.Devices.Get(_deviceId)!.Running);
    }

    [Fact]
    public async Task LastAdmin_CannotBeDemotedOrDeleted()
    {
        var admin = Caller.For(_host, FixedAuthenticationStateProvider.User(_host.AdminId, AppHostServices.AdminName, AppRoles.Admin));

        var demote = await Assert.ThrowsAsync<UserValidationException>(() => admin.Users.SetRoleAsync(_host.AdminId, AppRoles.Viewer));
        var delete = await Assert.ThrowsAsync<UserValidationException>(() => admin.Users.DeleteAsync(_host.AdminId));

        Assert.Equal(UserAdministration.LastAdminMessage, Assert.Single(demote.Errors));
        Assert.Equal(UserAdministration.LastAdminMessage, Assert.Single(delete.Errors));
        Assert.Contains(await admin.Users.ListAsync(), u => u.UserName == AppHostServices.AdminName && u.Role == AppRoles.Admin);
    }

    [Fact]
    public async Task Users_CreateSetRoleResetPasswordDelete()
    {
        var admin = Caller.For(_host, FixedAuthenticationStateProvider.User(_host.AdminId, AppHostServices.AdminName, AppRoles.Admin));

        var id = await admin.Users.CreateAsync("operator", "first password 1", AppRoles.Viewer);
        Assert.Contains(await admin.Users.ListAsync(), u => u.Id == id && u.Role == AppRoles.Viewer);

        await admin.Users.SetRoleAsync(id, AppRoles.Admin);
        Assert.Contains(await admin.Users.ListAsync(), u => u.Id == id && u.Role == AppRoles.Admin);

        await admin.Users.ResetPasswordAsync(id, "second password 2");
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Microsoft.AspNetCore.Identity.IdentityUser>>();
            var user = (await users.FindByIdAsync(id))!;
            Assert.True(await users.CheckPasswordAsync(user, "second password 2"));
            Assert.False(await users.CheckPasswordAsync(user, "first password 1"));
        }

        var duplicate = await Assert.ThrowsAsync<UserValidationException>(() => admin.Users.CreateAsync("operator", "another password", AppRoles.Viewer));
        Assert.Contains("already exists", Assert.Single(duplicate.Errors), StringComparison.Ordinal);

        await admin.Users.DeleteAsync(id);
        Assert.DoesNotContain(await admin.Users.ListAsync(), u => u.Id == id);
    }

    /// <summary>Everything an admin action could change: devices, sites, settings, users and roles.</summary>
    private async Task<string> SnapshotAsync()
    {
        var devices = string.Join("|", _host.Devices.List().Select(d => $"{d.Id}:{d.Name}:{d.Running}:{d.Interval}"));
        var sites = string.Join("|", _host.Devices.ListSites().Select(s => $"{s.Id}:{s.Name}:{s.Latitude}:{s.Longitude}:{s.Cloudiness}"));
        var options = _host.Services.GetRequiredService<IOptionsMonitor<SimulationOptions>>().CurrentValue;
        var mqtt = await _host.Services.GetRequiredService<IotDashboard.Core.Mqtt.MqttService>().GetSettingsAsync();
        await using var scope = _host.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Microsoft.AspNetCore.Identity.IdentityUser>>();
        var accounts = new List<string>();
        foreach (var user in users.Users.OrderBy(u => u.UserName).ToList())
        {
            accounts.Add($"{user.UserName}:{string.Join(",", await users.GetRolesAsync(user))}:{user.PasswordHash}");
        }

        return $"{devices}\n{sites}\n{options.DefaultIntervalMs}:{options.ResumeOnStart}\n{string.Join("|", accounts)}\n{mqtt.Settings.Host}:{mqtt.HasPassword}";
    }
}
