namespace IotDashboard.Core.Devices;

/// <summary>
/// A kind of simulated device. Adding a type means one class implementing this and one line in
/// <see cref="DeviceTypeRegistry"/>; everything else (scheduler, storage, MQTT, UI) works from this description.
/// </summary>
public interface IDeviceType
{
    /// <summary>Stable identifier stored with every device, e.g. <c>pv</c>.</summary>
    string Id { get; }

    string DisplayName { get; }

    /// <summary>Material icon name for the UI.</summary>
    string Icon { get; }

    /// <summary>The managed-object type a Cumulocity device of this kind gets (SmartREST <c>100</c>).</summary>
    string CumulocityType { get; }

    /// <summary>Devices that read their site's balance (a meter) tick after the others due at the same time.</summary>
    int TickOrder => 0;

    IReadOnlyList<ParameterDefinition> Parameters { get; }

    /// <summary>Every series a reading carries, in the order of <see cref="Measurement.Values"/>;
    /// it always starts with <see cref="CommonSeries.All"/>.</summary>
    IReadOnlyList<SeriesDefinition> Series { get; }

    IDeviceModel CreateModel(DeviceModelContext context);
}

/// <summary>The running physical model of one device. Called only from the scheduler, one tick at a time.</summary>
public interface IDeviceModel
{
    /// <summary>
    /// Produces the values of one reading at <paramref name="time"/>, in the order of the type's series.
    /// <paramref name="elapsed"/> is the time since the previous tick of this device (zero on the first),
    /// which energy counters integrate over.
    /// </summary>
    double[] Generate(DateTimeOffset time, TimeSpan elapsed, ICollection<DeviceNotice> notices);

    /// <summary>New parameters, effective from the next tick.</summary>
    void Configure(DeviceParameters parameters);

    /// <summary>Continues counters (energy) from the last stored reading after a restart.</summary>
    void Restore(IReadOnlyList<double> lastValues);
}

/// <summary>What a model needs to know about the device it simulates.</summary>
public sealed record DeviceModelContext(int DeviceId, long Seed, DeviceParameters Parameters, SiteState Site);
