namespace IotDashboard.Core.Storage.Entities;

/// <summary>A setting changed in the UI, stored as text under a dotted key (table <c>app_settings</c>).</summary>
public sealed class AppSetting
{
    public required string Key { get; set; }

    public required string Value { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
