using IotDashboard.Core.Devices;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;

namespace IotDashboard.App.Model;

/// <summary>
/// A device as a grid row. One instance per device for the life of the page, updated in place on each live
/// update, so the grid's selection (held by reference) survives the refreshes.
/// </summary>
public sealed class DeviceRow(int id)
{
    public int Id { get; } = id;

    public DeviceView View { get; private set; } = null!;

    public string Name => View.Name;

    public string TypeId => View.TypeId;

    public string TypeName { get; private set; } = string.Empty;

    public string TypeIcon { get; private set; } = string.Empty;

    public string SiteName => View.SiteName ?? "–";

    public bool Running => View.Running;

    /// <summary>For sorting and filtering by status: "Running", "Stopped" or "Error".</summary>
    public string Status => View.LastError is not null ? "Error" : View.Running ? "Running" : "Stopped";

    public long ReadingsCount => View.ReadingsCount;

    public double IntervalMs => View.Interval.TotalMilliseconds;

    public double Power { get; private set; } = double.NaN;

    public double EnergyKwh { get; private set; } = double.NaN;

    public DateTimeOffset? LatestAt { get; private set; }

    public void Update(DeviceView view, IDeviceType? type, Measurement? latest)
    {
        View = view;
        TypeName = type?.DisplayName ?? view.TypeId;
        TypeIcon = type?.Icon ?? "device_unknown";
        Power = latest?.Power ?? double.NaN;
        EnergyKwh = latest?.EnergyKwh ?? double.NaN;
        LatestAt = latest?.Timestamp;
    }
}

/// <summary>Keeps one <see cref="DeviceRow"/> per device across refreshes.</summary>
public sealed class DeviceRowCache
{
    private Dictionary<int, DeviceRow> _rows = [];

    public IReadOnlyList<DeviceRow> Refresh(DeviceManager devices, ILiveFeed feed)
    {
        var next = new Dictionary<int, DeviceRow>(_rows.Count);
        var list = new List<DeviceRow>();
        foreach (var view in devices.List())
        {
            var row = _rows.GetValueOrDefault(view.Id) ?? new DeviceRow(view.Id);
            devices.Types.TryGet(view.TypeId, out var type);
            row.Update(view, type, feed.Latest(view.Id));
            next[view.Id] = row;
            list.Add(row);
        }

        _rows = next;
        return list;
    }
}
