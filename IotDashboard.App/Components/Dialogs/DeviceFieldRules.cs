using IotDashboard.Core.Simulation;

namespace IotDashboard.App.Components.Dialogs;

/// <summary>The device manager's rules for names and intervals, as messages for a field while it is typed.</summary>
internal static class DeviceFieldRules
{
    public static string? NameError(string? name) => Core.Validation.NameRules.Error(name);

    public static string? IntervalError(int intervalMs) =>
        intervalMs < SimulationOptions.MinimumInterval.TotalMilliseconds || intervalMs > SimulationOptions.MaximumInterval.TotalMilliseconds
            ? "Interval must be between 100 ms and 3,600,000 ms (1 hour)."
            : null;
}
