using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IotDashboard.App.Security;

/// <summary>A user as the Users page lists it.</summary>
public sealed record UserView(string Id, string UserName, string Role, DateTimeOffset? LockedOutUntil);

/// <summary>What was wrong with a user change, as messages that say what is allowed.</summary>
public sealed class UserValidationException(IReadOnlyList<string> errors) : ArgumentException(string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// Users and their roles: every change behind <see cref="AdminGate"/>, except creating the very first
/// administrator, which only works while there is no user at all. The last administrator cannot be demoted or
/// deleted. Each operation uses its own scope (its own DbContext), never one held by the circuit.
/// </summary>
public sealed class UserAdministration(AdminGate gate, IServiceScopeFactory scopeFactory, TimeProvider timeProvider)
{
    public const string LastAdminMessage = "At least one administrator must remain: make another user an administrator first.";
    public const string FirstRunClosedMessage = "The first-run page is closed: an account already exists. Sign in instead.";

    // One change at a time across all circuits, so two admins cannot demote each other to none.
    private static readonly SemaphoreSlim _changeGate = new(1, 1);

    /// <summary>True while no user exists (the first-run page is open). Anyone may ask.</summary>
    public async Task<bool> IsFirstRunAsync(CancellationToken cancellationToken = default)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        return !await Users(scope).Users.AnyAsync(cancellationToken);
    }

    /// <summary>Creates the first administrator; refused for good once any user exists.</summary>
    public async Task<IdentityUser> CreateFirstAdminAsync(string? userName, string? password, CancellationToken cancellationToken = default)
    {
        Check(userName, password, AppRoles.Admin);
        await _changeGate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var users = Users(scope);
            if (await users.Users.AnyAsync(cancellationToken))
            {
                throw new UserValidationException([FirstRunClosedMessage]);
            }

            return await CreateCoreAsync(scope, userName!, password!, AppRoles.Admin);
        }
        finally
        {
            _changeGate.Release();
        }
    }

    public async Task<IReadOnlyList<UserView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(ListAsync), cancellationToken);
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = Users(scope);
        var admins = (await users.GetUsersInRoleAsync(AppRoles.Admin)).Select(u => u.Id).ToHashSet();
        var now = timeProvider.GetUtcNow();
        var all = await users.Users.AsNoTracking().ToListAsync(cancellationToken);
        return [.. all.OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase)
            .Select(u => new UserView(u.Id, u.UserName ?? string.Empty, admins.Contains(u.Id) ? AppRoles.Admin : AppRoles.Viewer,
                u.LockoutEnd is { } end && end > now ? end : null))];
    }

    public async Task<string> CreateAsync(string? userName, string? password, string? role, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(CreateAsync), cancellationToken);
        Check(userName, password, role);
        await _changeGate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            return (await CreateCoreAsync(scope, userName!, password!, role!)).Id;
        }
        finally
        {
            _changeGate.Release();
        }
    }

    public async Task SetRoleAsync(string userId, string? role, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(SetRoleAsync), cancellationToken);
        if (UserRules.RoleError(role) is { } error)
        {
            throw new UserValidationException([error]);
        }

        await _changeGate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var users = Users(scope);
            var user = await FindAsync(users, userId);
            var isAdmin = await users.IsInRoleAsync(user, AppRoles.Admin);
            if (isAdmin && role != AppRoles.Admin)
            {
                await EnsureAnotherAdminAsync(users);
            }

            Throw(await users.RemoveFromRolesAsync(user, [.. (await users.GetRolesAsync(user))]));
            Throw(await users.AddToRoleAsync(user, role!));
            Throw(await users.UpdateSecurityStampAsync(user)); // open sessions pick up the change
        }
        finally
        {
            _changeGate.Release();
        }
    }

    public async Task ResetPasswordAsync(string userId, string? password, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(ResetPasswordAsync), cancellationToken);
        if (UserRules.PasswordError(password) is { } error)
        {
            throw new UserValidationException([error]);
        }

        await using var scope = scopeFactory.CreateAsyncScope();
        var users = Users(scope);
        var user = await FindAsync(users, userId);
        var token = await users.GeneratePasswordResetTokenAsync(user);
        Throw(await users.ResetPasswordAsync(user, token, password!)); // also renews the security stamp: old sessions end
        await users.SetLockoutEndDateAsync(user, null);
        await users.ResetAccessFailedCountAsync(user);
    }

    public async Task DeleteAsync(string userId, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(DeleteAsync), cancellationToken);
        await _changeGate.WaitAsync(cancellationToken);
        try
        {
            await using var scope = scopeFactory.CreateAsyncScope();
            var users = Users(scope);
            var user = await FindAsync(users, userId);
            if (await users.IsInRoleAsync(user, AppRoles.Admin))
            {
                await EnsureAnotherAdminAsync(users);
            }

            Throw(await users.DeleteAsync(user));
        }
        finally
        {
            _changeGate.Release();
        }
    }

    private static void Check(string? userName, string? password, string? role)
    {
        var errors = new[] { UserRules.UserNameError(userName), UserRules.PasswordError(password), UserRules.RoleError(role) }.OfType<string>().ToList();
        if (errors.Count > 0)
        {
            throw new UserValidationException(errors);
        }
    }

    private static async Task<IdentityUser> CreateCoreAsync(AsyncServiceScope scope, string userName, string password, string role)
    {
        var users = Users(scope);
        if (await users.FindByNameAsync(userName) is not null)
        {
            throw new UserValidationException([$"A user named '{userName}' already exists."]);
        }

        var user = new IdentityUser(userName);
        Throw(await users.CreateAsync(user, password));
        Throw(await users.AddToRoleAsync(user, role));
        return user;
    }

    private static async Task EnsureAnotherAdminAsync(UserManager<IdentityUser> users)
    {
        if ((await users.GetUsersInRoleAsync(AppRoles.Admin)).Count <= 1)
        {
            throw new UserValidationException([LastAdminMessage]);
        }
    }

    private static async Task<IdentityUser> FindAsync(UserManager<IdentityUser> users, string userId) =>
        await users.FindByIdAsync(userId) ?? throw new UserValidationException(["That user no longer exists."]);

    private static UserManager<IdentityUser> Users(AsyncServiceScope scope) => scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();

    private static void Throw(IdentityResult result)
    {
        if (!result.Succeeded)
        {
            throw new UserValidationException([.. result.Errors.Select(e => e.Description)]);
        }
    }
}
