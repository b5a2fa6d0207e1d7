using System.ComponentModel.DataAnnotations;

namespace IotDashboard.Core.Simulation;

public sealed class SimulationOptions
{
    public const string SectionName = "Simulation";

    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaximumInterval = TimeSpan.FromHours(1);

    /// <summary>Devices that were running when the app stopped start again.</summary>
    public bool ResumeOnStart { get; set; } = true;

    /// <summary>Interval offered for new devices, in milliseconds.</summary>
    [Range(100, 3_600_000, ErrorMessage = "Simulation:DefaultIntervalMs must be between 100 (100 ms) and 3600000 (1 h).")]
    public int DefaultIntervalMs { get; set; } = 5000;

    /// <summary>Readings the pipeline holds between the scheduler and the sinks; when full the scheduler waits.</summary>
    [Range(1000, 10_000_000, ErrorMessage = "Simulation:PipelineCapacity must be between 1000 and 10000000.")]
    public int PipelineCapacity { get; set; } = 200_000;

    /// <summary>Create the demo site (PV, heat pump, grid meter) when the database has no devices.</summary>
    public bool SeedDemo { get; set; } = true;

    /// <summary>How often device counters are written back to the database, in seconds.</summary>
    [Range(1, 3600, ErrorMessage = "Simulation:StateFlushSeconds must be between 1 and 3600.")]
    public int StateFlushSeconds { get; set; } = 5;
}
