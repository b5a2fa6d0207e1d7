namespace IotDashboard.App.Security;

/// <summary>Return URLs after sign-in: only paths on this site, so a crafted link cannot send a user elsewhere.</summary>
public static class LocalUrl
{
    public static string OrRoot(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : "/";
}
