namespace IotDashboard.App.Security;

/// <summary>The two roles and the authorization policies built on them.</summary>
public static class AppRoles
{
    /// <summary>Creates, starts, stops, deletes and configures devices; changes settings; manages users.</summary>
    public const string Admin = "Admin";

    /// <summary>Sees everything, changes nothing.</summary>
    public const string Viewer = "Viewer";

    public static readonly IReadOnlyList<string> All = [Admin, Viewer];

    /// <summary>Policy: an administrator.</summary>
    public const string AdminPolicy = "Admin";

    /// <summary>Policy: anyone with a role (admin or viewer) — reading data.</summary>
    public const string ViewerPolicy = "Viewer";
}
