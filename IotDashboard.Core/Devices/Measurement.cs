namespace IotDashboard.Core.Devices;

/// <summary>One reading of one device. Values follow the device type's <see cref="IDeviceType.Series"/>.</summary>
public sealed class Measurement
{
    public required int DeviceId { get; init; }

    public required string DeviceType { get; init; }

    /// <summary>The time the reading is for: the device's scheduled tick, in UTC.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    public required double[] Values { get; init; }

    /// <summary>Events and alarms the model raised on this tick; usually null.</summary>
    public IReadOnlyList<DeviceNotice>? Notices { get; init; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> ticks when the reading was generated, for latency figures.</summary>
    public long GeneratedTicks { get; init; }

    public double Power => Values[CommonSeries.PowerIndex];

    public double Voltage => Values[CommonSeries.VoltageIndex];

    public double Current => Values[CommonSeries.CurrentIndex];

    public double PowerFactor => Values[CommonSeries.PowerFactorIndex];

    public double EnergyKwh => Values[CommonSeries.EnergyIndex];
}
