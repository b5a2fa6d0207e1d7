using System.Security.Claims;
using IotDashboard.App.Security;
using Microsoft.AspNetCore.Components.Authorization;

namespace IotDashboard.Tests.App.Security;

/// <summary>A circuit's user as the server would see it: anonymous, or a principal with the given id and role claims.</summary>
internal sealed class FixedAuthenticationStateProvider(ClaimsPrincipal user) : AuthenticationStateProvider
{
    public static FixedAuthenticationStateProvider Anonymous() => new(new ClaimsPrincipal(new ClaimsIdentity()));

    /// <summary>A signed-in user; <paramref name="roles"/> are the claims the principal carries (which may be forged).</summary>
    public static FixedAuthenticationStateProvider User(string id, string name, params string[] roles) =>
        new(new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, id), new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))],
            "Identity.Application")));

    public override Task<AuthenticationState> GetAuthenticationStateAsync() => Task.FromResult(new AuthenticationState(user));
}

/// <summary>The admin facades for one caller.</summary>
internal sealed record Caller(AdminActions Actions, UserAdministration Users, MqttAdminActions Mqtt)
{
    public static Caller For(Infrastructure.AppHostServices host, AuthenticationStateProvider authentication)
    {
        var gate = host.Gate(authentication);
        return new Caller(
            new AdminActions(gate, host.Devices, Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IotDashboard.Core.Settings.AppSettingsStore>(host.Services)),
            new UserAdministration(gate, Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<Microsoft.Extensions.DependencyInjection.IServiceScopeFactory>(host.Services), TimeProvider.System),
            new MqttAdminActions(gate, Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IotDashboard.Core.Mqtt.MqttService>(host.Services)));
    }
}
