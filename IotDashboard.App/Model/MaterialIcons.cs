using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using MudBlazor;

namespace IotDashboard.App.Model;

/// <summary>
/// Device types name their icon the Material way (<c>solar_power</c>); MudBlazor ships the same icons as SVG under
/// PascalCase names (<c>SolarPower</c>). No icon font is loaded (the app works offline), so names map to the SVGs.
/// </summary>
public static class MaterialIcons
{
    private static readonly ConcurrentDictionary<string, string> _cache = new(StringComparer.Ordinal);

    public static string Get(string? name) => _cache.GetOrAdd(name ?? string.Empty, static key =>
    {
        var pascal = string.Concat(key.Split('_', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpper(part[0], CultureInfo.InvariantCulture) + part[1..]));
        var field = typeof(Icons.Material.Filled).GetField(pascal, BindingFlags.Public | BindingFlags.Static);
        return field?.GetValue(null) as string ?? Icons.Material.Filled.DeviceUnknown;
    });
}
