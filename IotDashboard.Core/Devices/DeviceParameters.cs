using System.Collections.Frozen;

namespace IotDashboard.Core.Devices;

/// <summary>A validated set of parameter values for one device; absent keys fall back to the type's defaults.</summary>
public sealed class DeviceParameters
{
    private readonly FrozenDictionary<string, double> _values;

    private DeviceParameters(FrozenDictionary<string, double> values) => _values = values;

    public IReadOnlyDictionary<string, double> Values => _values;

    public double this[string key] => _values.TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"Unknown parameter '{key}'.");

    /// <summary>
    /// Validates <paramref name="given"/> against <paramref name="type"/> and fills in the defaults.
    /// Throws <see cref="DeviceValidationException"/> listing every problem.
    /// </summary>
    public static DeviceParameters Create(IDeviceType type, IReadOnlyDictionary<string, double>? given)
    {
        var errors = Validate(type, given);
        if (errors.Count > 0)
        {
            throw new DeviceValidationException(errors);
        }

        var values = type.Parameters.ToDictionary(
            p => p.Key,
            p => given is not null && given.TryGetValue(p.Key, out var v) ? v : p.Default,
            StringComparer.Ordinal);
        return new DeviceParameters(values.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public static DeviceParameters Defaults(IDeviceType type) => Create(type, null);

    public static IReadOnlyList<string> Validate(IDeviceType type, IReadOnlyDictionary<string, double>? given)
    {
        var errors = new List<string>();
        if (given is null)
        {
            return errors;
        }

        foreach (var (key, value) in given)
        {
            var definition = type.Parameters.FirstOrDefault(p => p.Key == key);
            if (definition is null)
            {
                var allowed = string.Join(", ", type.Parameters.Select(p => p.Key));
                errors.Add($"'{Truncate(key)}' is not a parameter of {type.DisplayName}; allowed: {allowed}.");
                continue;
            }

            if (definition.Validate(value) is { } error)
            {
                errors.Add(error);
            }
        }

        return errors;
    }

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}

/// <summary>Input that breaks a rule; the messages say what is allowed.</summary>
public sealed class DeviceValidationException(IReadOnlyList<string> errors)
    : ArgumentException(string.Join(" ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
