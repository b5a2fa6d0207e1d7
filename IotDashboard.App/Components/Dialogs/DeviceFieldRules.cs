using IotDashboard.Core.Simulation;

namespace IotDashboard.App.Components.Dialogs;

/// <summary>The device manager's rules for names and intervals, as messages for a field while it is typed.</summary>
internal static class DeviceFieldRules
{
    public static string? NameError(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > DeviceManager.MaxNameLength)
        {
            return $"Name must be 1–{DeviceManager.MaxNameLength} characters.";
        }

        return trimmed.Any(char.IsControl) ? "Name must not contain control characters." : null;
    }

    public static string? IntervalError(int intervalMs) =>
        intervalMs < SimulationOptions.MinimumInterval.TotalMilliseconds || intervalMs > SimulationOptions.MaximumInterval.TotalMilliseconds
            ? "Interval must be between 100 ms and 3,600,000 ms (1 hour)."
            : null;
}
