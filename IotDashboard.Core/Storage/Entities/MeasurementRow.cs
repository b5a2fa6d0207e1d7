namespace IotDashboard.Core.Storage.Entities;

/// <summary>
/// One stored reading (table <c>device_measurements</c>): the series every type has in columns, the
/// type-specific ones as a JSON object keyed by series key, so every series can be read back.
/// </summary>
public sealed class MeasurementRow
{
    public long Id { get; set; }

    public int DeviceId { get; set; }

    public DateTimeOffset Timestamp { get; set; }

    public double Power { get; set; }

    public double Voltage { get; set; }

    public double Current { get; set; }

    public double PowerFactor { get; set; }

    public double EnergyKwh { get; set; }

    public string? Extra { get; set; }
}
