using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using IotDashboard.Core.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IotDashboard.Tests.Faults;

/// <summary>What the database holds for one device: its counter and every stored timestamp, in order.</summary>
public sealed record StoredDevice(int Id, string Name, TimeSpan Interval, DeviceStatus Status, long ReadingsCount, DateTimeOffset? LastReadingAt, IReadOnlyList<DateTimeOffset> Times)
{
    public DateTimeOffset? LastStored => Times.Count == 0 ? null : Times[^1];

    /// <summary>
    /// Places where two consecutive stored readings are not a whole number of intervals apart: a doubled reading
    /// or one off the device's time grid. Whole intervals missing are <see cref="SkippedTicks"/>, not errors.
    /// </summary>
    public IReadOnlyList<string> Irregular(DateTimeOffset? from = null) =>
        [.. Steps(from).Where(s => s.Intervals < 1 || s.Remainder != TimeSpan.Zero).Select(s => $"{Name}: {s.From:HH:mm:ss.fff} → {s.To:HH:mm:ss.fff}")];

    /// <summary>
    /// Ticks of the device's grid with no stored reading between its first and last one. With the counter equal to
    /// the stored rows these were never generated: the scheduler skips (and counts) ticks it is too late for on an
    /// overloaded machine. With the counter higher, they were generated and lost.
    /// </summary>
    public long SkippedTicks(DateTimeOffset? from = null) => Steps(from).Where(s => s.Intervals > 1).Sum(s => s.Intervals - 1);

    private IEnumerable<(DateTimeOffset From, DateTimeOffset To, long Intervals, TimeSpan Remainder)> Steps(DateTimeOffset? from)
    {
        var window = Times.Where(t => from is null || t >= from).ToList();
        for (var i = 1; i < window.Count; i++)
        {
            var step = window[i] - window[i - 1];
            yield return (window[i - 1], window[i], step.Ticks / Interval.Ticks, TimeSpan.FromTicks(step.Ticks % Interval.Ticks));
        }
    }
}

/// <summary>The fleet the fault tests run (devices at 100 ms – 1 s) and the reads that check what was stored.</summary>
public static class FaultFleet
{
    /// <summary>Twelve devices of the three types at 100 ms, 200 ms, 250 ms, 500 ms and 1 s: about 45 readings/s.</summary>
    public static readonly IReadOnlyList<(string Type, int IntervalMs)> Devices =
    [
        (SolarPvType.TypeId, 100), (HeatPumpType.TypeId, 100), (MainGridType.TypeId, 100),
        (SolarPvType.TypeId, 200), (HeatPumpType.TypeId, 250), (MainGridType.TypeId, 250),
        (SolarPvType.TypeId, 500), (HeatPumpType.TypeId, 500), (MainGridType.TypeId, 500),
        (SolarPvType.TypeId, 1000), (HeatPumpType.TypeId, 1000), (MainGridType.TypeId, 1000),
    ];

    /// <summary>Creates the fleet through the real <see cref="DeviceManager"/>; running (or marked to run at start) when <paramref name="start"/>.</summary>
    public static async Task<IReadOnlyList<int>> CreateAsync(DeviceManager manager, bool start)
    {
        var ids = new List<int>();
        var n = 0;
        foreach (var (type, intervalMs) in Devices)
        {
            n++;
            ids.AddRange(await manager.CreateAsync(new CreateDevicesRequest(type, $"Fault {n:00} {type} {intervalMs} ms", TimeSpan.FromMilliseconds(intervalMs), Seed: n, Start: start)));
        }

        return ids;
    }

    /// <summary>Creates the fleet in a fresh database, marked running, without generating anything: the app process resumes it.</summary>
    public static async Task PrepareDatabaseAsync(Dictionary<string, string?> settings)
    {
        using var host = await Infrastructure.CoreTestHost.BuildMigratedAsync(settings);
        await CreateAsync(host.Services.GetRequiredService<DeviceManager>(), start: true);
    }

    public static async Task<IReadOnlyList<StoredDevice>> ReadAsync(IHost host)
    {
        await using var context = await host.Services.GetRequiredService<IDbContextFactory<IotDbContext>>().CreateDbContextAsync();
        var devices = await context.Devices.AsNoTracking().OrderBy(d => d.Id).ToListAsync();
        var rows = await context.Measurements.AsNoTracking().Select(m => new { m.DeviceId, m.Timestamp }).ToListAsync();
        var byDevice = rows.GroupBy(r => r.DeviceId).ToDictionary(g => g.Key, g => g.Select(r => r.Timestamp).Order().ToList());
        return [.. devices.Select(d => new StoredDevice(d.Id, d.Name, TimeSpan.FromMilliseconds(d.IntervalMs), d.Status, d.ReadingsCount, d.LastReadingAt, byDevice.GetValueOrDefault(d.Id) ?? []))];
    }
}
