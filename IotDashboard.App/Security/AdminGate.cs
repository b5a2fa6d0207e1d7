using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;

namespace IotDashboard.App.Security;

/// <summary>
/// The server-side check in front of every admin action: the circuit's (or request's) user must exist now, not
/// be locked out, and hold the Admin role <em>in the database</em> — so a role taken away counts at once, and a
/// Viewer's circuit is refused whatever event it sends. Hidden buttons are a convenience, this is the control.
/// </summary>
public sealed partial class AdminGate(
    AuthenticationStateProvider authentication,
    IServiceScopeFactory scopeFactory,
    ILogger<AdminGate> logger)
{
    public const string RefusedMessage = "Only an administrator may do this.";

    /// <summary>The caller's user id when they are an administrator; otherwise throws <see cref="UnauthorizedAccessException"/>.</summary>
    public async Task<string> EnsureAdminAsync(string action, CancellationToken cancellationToken = default)
    {
        var principal = (await authentication.GetAuthenticationStateAsync()).User;
        var userId = principal.Identity?.IsAuthenticated == true ? principal.FindFirstValue(ClaimTypes.NameIdentifier) : null;
        if (userId is not null)
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            if (await users.FindByIdAsync(userId) is { } user && !await users.IsLockedOutAsync(user) && await users.IsInRoleAsync(user, AppRoles.Admin))
            {
                return userId;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        LogRefused(action, principal.Identity?.Name ?? "(anonymous)");
        throw new UnauthorizedAccessException(RefusedMessage);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused admin action {Action} for {User}")]
    private partial void LogRefused(string action, string user);
}
