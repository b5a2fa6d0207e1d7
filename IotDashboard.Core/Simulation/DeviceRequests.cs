namespace IotDashboard.Core.Simulation;

/// <summary>Create <see cref="Count"/> devices of one type; more than one are named "Name 0001", "Name 0002"…</summary>
public sealed record CreateDevicesRequest(
    string TypeId,
    string Name,
    TimeSpan Interval,
    int? SiteId = null,
    int Count = 1,
    IReadOnlyDictionary<string, double>? Parameters = null,
    bool Start = true,
    long? Seed = null);

/// <summary>A device as the UI shows it: stored configuration plus what the scheduler knows now.</summary>
public sealed record DeviceView(
    int Id,
    string ExternalId,
    string Name,
    string TypeId,
    int? SiteId,
    string? SiteName,
    TimeSpan Interval,
    IReadOnlyDictionary<string, double> Parameters,
    bool Running,
    long ReadingsCount,
    DateTimeOffset? LastReadingAt,
    DateTimeOffset CreatedAt,
    long Seed,
    string? LastError);

public sealed record SiteView(int Id, string Name, double Latitude, double Longitude, double Cloudiness, long Seed);
