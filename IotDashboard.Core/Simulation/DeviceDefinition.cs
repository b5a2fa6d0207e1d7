using IotDashboard.Core.Devices;

namespace IotDashboard.Core.Simulation;

/// <summary>Everything the scheduler needs to run one device.</summary>
public sealed record DeviceDefinition(
    int Id,
    string ExternalId,
    string Name,
    IDeviceType Type,
    int? SiteId,
    TimeSpan Interval,
    DeviceParameters Parameters,
    long Seed);

/// <summary>What the scheduler knows about a device right now.</summary>
public sealed record DeviceRuntimeInfo(int Id, bool Running, long ReadingsCount, DateTimeOffset? LastTickAt, TimeSpan Interval, string? LastError);
