namespace IotDashboard.Core.Storage.Entities;

public enum DeviceStatus
{
    Stopped = 0,
    Running = 1,
}

/// <summary>A simulated device as stored: configuration, status and counters (table <c>device_configs</c>).</summary>
public sealed class DeviceConfig
{
    public int Id { get; set; }

    /// <summary>The identifier the device uses towards the outside (MQTT client id, certificate CN).</summary>
    public required string ExternalId { get; set; }

    public required string Name { get; set; }

    public required string DeviceType { get; set; }

    public int? SiteId { get; set; }

    public SiteEntity? Site { get; set; }

    public int IntervalMs { get; set; }

    /// <summary>The type's parameters as a JSON object of numbers.</summary>
    public required string ParametersJson { get; set; }

    public long Seed { get; set; }

    public DeviceStatus Status { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Readings generated over the device's lifetime.</summary>
    public long ReadingsCount { get; set; }

    public DateTimeOffset? LastReadingAt { get; set; }
}
