namespace IotDashboard.Core.Storage.Entities;

/// <summary>A household whose weather drives its devices (table <c>sites</c>).</summary>
public sealed class SiteEntity
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public double Latitude { get; set; }

    public double Longitude { get; set; }

    public double Cloudiness { get; set; }

    public long Seed { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
