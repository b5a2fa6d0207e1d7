using IotDashboard.Core;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace IotDashboard.App.Security;

/// <summary>
/// At start-up, after the migrations: makes sure the two roles exist and, when <c>Auth:AdminUser</c> is set and no
/// user of that name exists, creates it as an administrator. An existing user's password is left alone.
/// </summary>
internal sealed partial class IdentitySeeder(IServiceScopeFactory scopeFactory, IOptions<AuthOptions> options, ILogger<IdentitySeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in AppRoles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        var auth = options.Value;
        if (!auth.HasAdmin)
        {
            return;
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        if (await users.FindByNameAsync(auth.AdminUser!) is not null)
        {
            return;
        }

        var user = new IdentityUser(auth.AdminUser!);
        var created = await users.CreateAsync(user, auth.AdminPassword!);
        if (!created.Succeeded)
        {
            throw new InvalidConfigurationException($"Auth:AdminPassword: {string.Join(" ", created.Errors.Select(e => e.Description))}");
        }

        await users.AddToRoleAsync(user, AppRoles.Admin);
        LogCreated(auth.AdminUser!);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created administrator '{UserName}' from Auth:AdminUser")]
    private partial void LogCreated(string userName);
}
