using System.ComponentModel.DataAnnotations;

namespace IotDashboard.App.Security;

/// <summary>
/// The first administrator, created at start-up when no user of that name exists (<c>Auth__AdminUser</c>,
/// <c>Auth__AdminPassword</c>). Without it, the first-run page creates the first administrator.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    public string? AdminUser { get; set; }

    public string? AdminPassword { get; set; }

    public bool HasAdmin => !string.IsNullOrWhiteSpace(AdminUser);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (HasAdmin && string.IsNullOrEmpty(AdminPassword))
        {
            yield return new ValidationResult("Auth:AdminPassword must be set when Auth:AdminUser is set.", [nameof(AdminPassword)]);
        }
        else if (!HasAdmin && !string.IsNullOrEmpty(AdminPassword))
        {
            yield return new ValidationResult("Auth:AdminUser must be set when Auth:AdminPassword is set.", [nameof(AdminUser)]);
        }
        else if (HasAdmin && UserRules.UserNameError(AdminUser) is { } error)
        {
            yield return new ValidationResult($"Auth:AdminUser: {error}", [nameof(AdminUser)]);
        }
        else if (HasAdmin && UserRules.PasswordError(AdminPassword) is { } passwordError)
        {
            yield return new ValidationResult($"Auth:AdminPassword: {passwordError}", [nameof(AdminPassword)]);
        }
    }
}
