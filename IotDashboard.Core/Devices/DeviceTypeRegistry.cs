using IotDashboard.Core.Devices.Types;

namespace IotDashboard.Core.Devices;

/// <summary>The device types this installation can simulate, by id.</summary>
public sealed class DeviceTypeRegistry
{
    private readonly Dictionary<string, IDeviceType> _types = new(StringComparer.Ordinal);

    public DeviceTypeRegistry(IEnumerable<IDeviceType> types)
    {
        foreach (var type in types)
        {
            Register(type);
        }
    }

    /// <summary>The built-in types: solar PV, heat pump and the main grid meter.</summary>
    public static DeviceTypeRegistry CreateDefault() => new([new SolarPvType(), new HeatPumpType(), new MainGridType()]);

    public IReadOnlyCollection<IDeviceType> All => _types.Values;

    public void Register(IDeviceType type)
    {
        if (type.Series.Count < CommonSeries.Count || type.Series[CommonSeries.PowerIndex].Key != "power")
        {
            throw new ArgumentException($"Device type '{type.Id}' must start its series with CommonSeries.", nameof(type));
        }

        // Keys become JSON property names and SQL JSON paths: keep them plain identifiers.
        if (type.Series.FirstOrDefault(s => !IsIdentifier(s.Key)) is { } bad)
        {
            throw new ArgumentException($"Series key '{bad.Key}' of '{type.Id}' must be lower-case letters, digits and underscores.", nameof(type));
        }

        if (!_types.TryAdd(type.Id, type))
        {
            throw new ArgumentException($"Device type '{type.Id}' is registered twice.", nameof(type));
        }
    }

    public IDeviceType Get(string id) => _types.TryGetValue(id, out var type)
        ? type
        : throw new DeviceValidationException([$"Unknown device type '{id}'; allowed: {string.Join(", ", _types.Keys)}."]);

    public bool TryGet(string id, out IDeviceType type) => _types.TryGetValue(id, out type!);

    private static bool IsIdentifier(string key) =>
        key.Length is > 0 and <= 64 && char.IsAsciiLetterLower(key[0]) && key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
