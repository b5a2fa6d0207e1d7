namespace IotDashboard.App.Security;

/// <summary>What user names and passwords may be, as messages that say what is allowed (checked before Identity's own rules).</summary>
public static class UserRules
{
    public const int MaxUserNameLength = 64;
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 128;
    public const int MinUniqueCharacters = 4;

    /// <summary>Identity's allowed user-name characters: plain ASCII, so no look-alike letters from other scripts.</summary>
    public const string AllowedUserNameCharacters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@+";

    public static string? UserNameError(string? userName)
    {
        if (string.IsNullOrEmpty(userName) || userName.Length > MaxUserNameLength || userName.Any(c => !AllowedUserNameCharacters.Contains(c, StringComparison.Ordinal)))
        {
            return $"User name must be 1–{MaxUserNameLength} characters from a–z, A–Z, 0–9 and - . _ @ +.";
        }

        return null;
    }

    public static string? PasswordError(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            return $"Password must be {MinPasswordLength}–{MaxPasswordLength} characters.";
        }

        if (password.Any(char.IsControl))
        {
            return "Password must not contain control characters.";
        }

        return password.Distinct().Count() < MinUniqueCharacters ? $"Password must use at least {MinUniqueCharacters} different characters." : null;
    }

    public static string? RoleError(string? role) =>
        role is AppRoles.Admin or AppRoles.Viewer ? null : $"Role must be {AppRoles.Admin} or {AppRoles.Viewer}.";
}
