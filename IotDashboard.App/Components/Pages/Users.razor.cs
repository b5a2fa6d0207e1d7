using IotDashboard.App.Model;
using IotDashboard.App.Security;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace IotDashboard.App.Components.Pages;

/// <summary>
/// Administrators manage accounts: create, change role, reset password, delete. The page is for admins only,
/// and every change is checked again on the server by <see cref="UserAdministration"/>.
/// </summary>
public sealed partial class Users
{
    private IReadOnlyList<UserView> _users = [];
    private List<string> _errors = [];
    private string _newName = string.Empty;
    private string _newPassword = string.Empty;
    private string _newRole = AppRoles.Viewer;
    private UserView? _resetFor;
    private string _resetPassword = string.Empty;
    private bool _busy;

    [Inject] public required UserAdministration Administration { get; init; }

    [Inject] public required IDialogService Dialogs { get; init; }

    [Inject] public required ISnackbar Snackbar { get; init; }

    [Inject] public required BrowserTime BrowserTime { get; init; }

    protected override Task OnInitializedAsync() => RunAsync(() => Task.CompletedTask, null);

    private Task CreateAsync() => RunAsync(
        async () =>
        {
            await Administration.CreateAsync(_newName, _newPassword, _newRole);
            _newName = string.Empty;
            _newPassword = string.Empty;
        },
        "User created.");

    private Task SetRoleAsync(UserView user, string role) =>
        RunAsync(() => Administration.SetRoleAsync(user.Id, role), $"{user.UserName} is now {role}.");

    private void StartReset(UserView user)
    {
        _resetFor = user;
        _resetPassword = string.Empty;
    }

    private Task ResetAsync() => _resetFor is not { } user
        ? Task.CompletedTask
        : RunAsync(
            async () =>
            {
                await Administration.ResetPasswordAsync(user.Id, _resetPassword);
                _resetFor = null;
                _resetPassword = string.Empty;
            },
            $"Password of {user.UserName} set.");

    private async Task DeleteAsync(UserView user)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete user", $"Delete the account \"{user.UserName}\"?", yesText: "Delete", cancelText: "Cancel");
        if (confirmed == true)
        {
            await RunAsync(() => Administration.DeleteAsync(user.Id), $"{user.UserName} deleted.");
        }
    }

    /// <summary>Runs a change, shows what went wrong (or the confirmation), and reloads the list from the database.</summary>
    private async Task RunAsync(Func<Task> change, string? confirmation)
    {
        _errors = [];
        _busy = true;
        try
        {
            await change();
            if (confirmation is not null)
            {
                Snackbar.Add(confirmation, Severity.Success);
            }
        }
        catch (UserValidationException ex)
        {
            _errors = [.. ex.Errors];
        }
        catch (UnauthorizedAccessException ex)
        {
            _errors = [ex.Message];
        }
        finally
        {
            _busy = false;
        }

        try
        {
            _users = await Administration.ListAsync();
        }
        catch (UnauthorizedAccessException ex)
        {
            _users = [];
            _errors = [.. _errors.Append(ex.Message).Distinct()];
        }
    }
}
