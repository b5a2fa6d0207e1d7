using IotDashboard.Core.Simulation;

namespace IotDashboard.Core.Settings;

/// <summary>The simulation defaults a user edits on the Settings page; they override appsettings.json.</summary>
public sealed record SimulationDefaults(int DefaultIntervalMs, bool ResumeOnStart, int RetentionDays)
{
    public const int MinRetentionDays = 0;
    public const int MaxRetentionDays = 36_500;

    /// <summary>Messages saying what is allowed; empty when every value is valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (DefaultIntervalMs < SimulationOptions.MinimumInterval.TotalMilliseconds || DefaultIntervalMs > SimulationOptions.MaximumInterval.TotalMilliseconds)
        {
            errors.Add("Default interval must be between 100 ms and 3,600,000 ms (1 hour).");
        }

        if (RetentionDays is < MinRetentionDays or > MaxRetentionDays)
        {
            errors.Add($"Retention must be between {MinRetentionDays} (keep everything) and {MaxRetentionDays:N0} days.");
        }

        return errors;
    }
}
