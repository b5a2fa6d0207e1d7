using System.ComponentModel.DataAnnotations;
using IotDashboard.App.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;

namespace IotDashboard.App.Components.Account;

/// <summary>
/// The first-run page: open only while the database has no user at all (no <c>Auth:AdminUser</c> configured and
/// nobody created yet); creates the first administrator and signs them in. Once any user exists it shows only
/// that it is closed, and a posted form is refused (400: the form no longer exists; the create call refuses too).
/// </summary>
public sealed partial class Setup
{
    private List<string> _errors = [];
    private bool _closed;

    [Inject] public required UserAdministration Users { get; init; }

    [Inject] public required SignInManager<IdentityUser> SignInManager { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    [SupplyParameterFromForm] private SetupInput Input { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        Input ??= new SetupInput();
        if (!await Users.IsFirstRunAsync())
        {
            Close();
        }
    }

    private async Task CreateAsync()
    {
        if (_closed)
        {
            return;
        }

        try
        {
            var user = await Users.CreateFirstAdminAsync(Input.UserName, Input.Password);
            await SignInManager.SignInAsync(user, isPersistent: false);
            Navigation.NavigateTo("/");
        }
        catch (UserValidationException ex) when (ex.Errors.Contains(UserAdministration.FirstRunClosedMessage))
        {
            Close();
        }
        catch (UserValidationException ex)
        {
            _errors = [.. ex.Errors];
        }
    }

    private void Close()
    {
        _closed = true; // no form is rendered, so a form posted to it is refused (400) as well
    }

    private sealed class SetupInput
    {
        [Required(ErrorMessage = "Choose a user name.")]
        public string UserName { get; set; } = string.Empty;

        [Required(ErrorMessage = "Choose a password.")]
        public string Password { get; set; } = string.Empty;

        [Compare(nameof(Password), ErrorMessage = "The two passwords differ.")]
        public string ConfirmPassword { get; set; } = string.Empty;
    }
}
