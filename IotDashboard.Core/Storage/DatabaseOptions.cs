using System.ComponentModel.DataAnnotations;

namespace IotDashboard.Core.Storage;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public const string SectionName = "Database";

    /// <summary>Sqlite (embedded, default) or Postgres.</summary>
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>For SQLite a relative Data Source is resolved against the folder holding appsettings.json.</summary>
    [Required(AllowEmptyStrings = false)]
    public string ConnectionString { get; set; } = "Data Source=data/iotdashboard.db";
}

public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Readings older than this many days are deleted by the retention job; 0 keeps everything.</summary>
    [Range(0, 36500, ErrorMessage = "Storage:RetentionDays must be between 0 (keep everything) and 36500.")]
    public int RetentionDays { get; set; } = 30;

    /// <summary>Largest number of readings written in one transaction.</summary>
    [Range(100, 1_000_000, ErrorMessage = "Storage:MaxBatchSize must be between 100 and 1000000.")]
    public int MaxBatchSize { get; set; } = 20_000;
}
