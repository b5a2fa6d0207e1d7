using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;

namespace IotDashboard.Tests.Core.Devices;

/// <summary>
/// A site with a PV system, a heat pump and a grid meter, stepped by hand in the order the scheduler uses
/// (producers and consumers, then the meter), for testing the models without the scheduler.
/// </summary>
internal sealed class SiteRig
{
    public SiteRig(double latitude = 52.52, double longitude = 13.405, double cloudiness = 0.3, long seed = 7)
    {
        Site = new SiteState(1, new SiteSettings("Test site", latitude, longitude, cloudiness, seed));
        Pv = Create(new SolarPvType(), 1, 101);
        HeatPump = Create(new HeatPumpType(), 2, 102);
        Grid = Create(new MainGridType(), 3, 103);
    }

    public SiteState Site { get; }

    public (IDeviceType Type, IDeviceModel Model) Pv { get; }

    public (IDeviceType Type, IDeviceModel Model) HeatPump { get; }

    public (IDeviceType Type, IDeviceModel Model) Grid { get; }

    public List<DeviceNotice> Notices { get; } = [];

    /// <summary>One tick of every device at <paramref name="time"/>.</summary>
    public (double[] Pv, double[] HeatPump, double[] Grid) Tick(DateTimeOffset time, TimeSpan elapsed) =>
        (Pv.Model.Generate(time, elapsed, Notices), HeatPump.Model.Generate(time, elapsed, Notices), Grid.Model.Generate(time, elapsed, Notices));

    /// <summary>Ticks every <paramref name="step"/> from <paramref name="start"/> for <paramref name="duration"/>.</summary>
    public List<(DateTimeOffset Time, double[] Pv, double[] HeatPump, double[] Grid)> Run(DateTimeOffset start, TimeSpan duration, TimeSpan step)
    {
        var result = new List<(DateTimeOffset, double[], double[], double[])>();
        for (var time = start; time < start + duration; time += step)
        {
            var (pv, hp, grid) = Tick(time, time == start ? TimeSpan.Zero : step);
            result.Add((time, pv, hp, grid));
        }

        return result;
    }

    private (IDeviceType, IDeviceModel) Create(IDeviceType type, int id, long seed) =>
        (type, type.CreateModel(new DeviceModelContext(id, seed, DeviceParameters.Defaults(type), Site)));
}
