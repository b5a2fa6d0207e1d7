using System.ComponentModel.DataAnnotations;
using IotDashboard.App.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Identity;

namespace IotDashboard.App.Components.Account;

/// <summary>
/// The sign-in form: a static page posted with an antiforgery token (the cookie can only be set on an HTTP
/// response). Five wrong passwords lock the account for five minutes. While no account exists it sends the
/// visitor to the first-run page.
/// </summary>
public sealed partial class Login
{
    private string? _error;

    [Inject] public required SignInManager<IdentityUser> SignInManager { get; init; }

    [Inject] public required UserAdministration Users { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    [Inject] public required ILogger<Login> Logger { get; init; }

    [CascadingParameter] public HttpContext HttpContext { get; set; } = default!;

    [SupplyParameterFromForm] private LoginInput Input { get; set; } = default!;

    [SupplyParameterFromQuery] private string? ReturnUrl { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Input ??= new LoginInput();
        if (HttpMethods.IsGet(HttpContext.Request.Method) && await Users.IsFirstRunAsync())
        {
            Navigation.NavigateTo("Account/Setup");
        }
    }

    private async Task SignInAsync()
    {
        var result = await SignInManager.PasswordSignInAsync(Input.UserName, Input.Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            Navigation.NavigateTo(LocalUrl.OrRoot(ReturnUrl));
        }
        else if (result.IsLockedOut)
        {
            Logger.LogWarning("Sign-in refused: account {UserName} is locked out", Input.UserName);
            _error = "Too many failed attempts: this account is locked for 5 minutes.";
        }
        else
        {
            _error = "Wrong user name or password.";
        }
    }

    private sealed class LoginInput
    {
        [Required(ErrorMessage = "Enter your user name.")]
        [StringLength(UserRules.MaxUserNameLength, ErrorMessage = "User name is at most 64 characters.")]
        public string UserName { get; set; } = string.Empty;

        [Required(ErrorMessage = "Enter your password.")]
        [StringLength(UserRules.MaxPasswordLength, ErrorMessage = "Password is at most 128 characters.")]
        public string Password { get; set; } = string.Empty;
    }
}
