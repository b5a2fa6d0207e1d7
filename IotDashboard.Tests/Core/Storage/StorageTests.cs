using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using IotDashboard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace IotDashboard.Tests.Core.Storage;

/// <summary>The same storage cases against each provider; the subclasses below choose the database.</summary>
public abstract class StorageTests
{
    private static readonly DateTimeOffset _start = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    protected abstract Task<Dictionary<string, string?>> NewDatabaseAsync();

    [Fact]
    public async Task Migrations_CreateEveryTable_OnAnEmptyDatabase()
    {
        using var host = await CoreTestHost.BuildMigratedAsync(await NewDatabaseAsync());
        await using var context = await Contexts(host).CreateDbContextAsync();

        Assert.Contains("Initial", string.Join(",", await context.Database.GetAppliedMigrationsAsync()), StringComparison.Ordinal);
        Assert.Empty(await context.Database.GetPendingMigrationsAsync());
        Assert.Equal(0, await context.Devices.CountAsync());
        Assert.Equal(0, await context.Measurements.CountAsync());
        Assert.Equal(0, await context.Sites.CountAsync());
        Assert.Equal(0, await context.Settings.CountAsync());
    }

    [Fact]
    public async Task EverySeriesOfEveryType_IsStored_AndReadBackByDeviceAndTime()
    {
        using var host = await CoreTestHost.BuildMigratedAsync(await NewDatabaseAsync());
        var (manager, store, queries) = Services(host);
        var types = host.Services.GetRequiredService<DeviceTypeRegistry>();

        var written = new List<Measurement>();
        foreach (var type in types.All)
        {
            var id = (await manager.CreateAsync(new CreateDevicesRequest(type.Id, $"{type.DisplayName} under test", TimeSpan.FromSeconds(1), Start: false)))[0];
            for (var i = 0; i < 5; i++)
            {
                written.Add(new Measurement
                {
                    DeviceId = id,
                    DeviceType = type.Id,
                    Timestamp = _start.AddSeconds(i),
                    Values = [.. Enumerable.Range(0, type.Series.Count).Select(s => Math.Round(1000 * i + 10 * s + 0.125, 3))],
                });
            }
        }

        await store.WriteAsync(written, CancellationToken.None);

        foreach (var group in written.GroupBy(m => m.DeviceId))
        {
            var read = await queries.QueryAsync(new ReadingQuery([group.Key], Sort: ReadingSort.TimeAscending), 0, 100);
            Assert.Equal(group.Select(m => m.Timestamp), read.Select(r => r.Timestamp));
            Assert.All(group.Zip(read), pair => Assert.Equal(pair.First.Values, pair.Second.Values));
        }

        var latest = await queries.LatestPerDeviceAsync();
        Assert.Equal(3, latest.Count);
        Assert.All(latest.Values, r => Assert.Equal(_start.AddSeconds(4), r.Timestamp));

        // A range query sees only its range.
        var middle = await queries.QueryAsync(new ReadingQuery(From: _start.AddSeconds(1), To: _start.AddSeconds(3)), 0, 100);
        Assert.Equal(6, middle.Count);
    }

    [Fact]
    public async Task Series_IsDownsampledOnTheServer_ToAtMostTheRequestedPoints()
    {
        using var host = await CoreTestHost.BuildMigratedAsync(await NewDatabaseAsync());
        var (manager, store, queries) = Services(host);
        var id = (await manager.CreateAsync(new CreateDevicesRequest(HeatPumpType.TypeId, "HP", TimeSpan.FromSeconds(1), Start: false)))[0];
        var seriesCount = new HeatPumpType().Series.Count;

        // One hour at 1 Hz, power = second of the hour, COP = 3.
        var rows = Enumerable.Range(0, 3600).Select(i =>
        {
            var values = new double[seriesCount];
            values[CommonSeries.PowerIndex] = i;
            values[CommonSeries.VoltageIndex] = 230;
            values[CommonSeries.EnergyIndex] = i / 100.0;
            values[6] = 3; // cop
            return new Measurement { DeviceId = id, DeviceType = HeatPumpType.TypeId, Timestamp = _start.AddSeconds(i), Values = values };
        }).ToList();
        await store.WriteAsync(rows, CancellationToken.None);

        var points = await queries.GetSeriesAsync(id, _start, _start.AddHours(1), 60);

        Assert.Equal(60, points.Count);
        Assert.Equal(_start, points[0].Time);
        Assert.Equal(_start.AddMinutes(59), points[^1].Time);
        Assert.Equal(29.5, points[0].Values[CommonSeries.PowerIndex], 6);   // mean of 0..59
        Assert.Equal(3569.5, points[^1].Values[CommonSeries.PowerIndex], 6);
        Assert.Equal(0.59, points[0].Values[CommonSeries.EnergyIndex], 6); // a counter: the bucket's last value
        Assert.All(points, p => Assert.Equal(3, p.Values[6], 6));
        Assert.All(points, p => Assert.Equal(230, p.Values[CommonSeries.VoltageIndex], 6));

        // Only the series a chart shows: the same figures for those, NaN for the rest, same series order.
        var cop = new HeatPumpType().Series[6].Key;
        var some = await queries.GetSeriesAsync(id, _start, _start.AddHours(1), 60, ["power", cop]);
        Assert.Equal(points.Select(p => p.Time), some.Select(p => p.Time));
        Assert.All(points.Zip(some), pair =>
        {
            Assert.Equal(seriesCount, pair.Second.Values.Length);
            Assert.Equal(pair.First.Values[CommonSeries.PowerIndex], pair.Second.Values[CommonSeries.PowerIndex], 6);
            Assert.Equal(3, pair.Second.Values[6], 6);
            Assert.True(double.IsNaN(pair.Second.Values[CommonSeries.VoltageIndex]));
            Assert.True(double.IsNaN(pair.Second.Values[CommonSeries.EnergyIndex]));
        });
    }

    [Fact]
    public async Task Readings_AreFilteredByTypeAndTime_SortedAndPaged()
    {
        using var host = await CoreTestHost.BuildMigratedAsync(await NewDatabaseAsync());
        var (manager, store, queries) = Services(host);
        var pv = (await manager.CreateAsync(new CreateDevicesRequest(SolarPvType.TypeId, "PV", TimeSpan.FromSeconds(1), Start: false)))[0];
        var grid = (await manager.CreateAsync(new CreateDevicesRequest(MainGridType.TypeId, "Grid", TimeSpan.FromSeconds(1), Start: false)))[0];
        var rows = Enumerable.Range(0, 100).SelectMany(i => new[] { Reading(pv, SolarPvType.TypeId, 9, i, power: i), Reading(grid, MainGridType.TypeId, 17, i, power: -i) }).ToList();
        await store.WriteAsync(rows, CancellationToken.None);

        var query = new ReadingQuery(DeviceType: SolarPvType.TypeId, From: _start.AddSeconds(10), To: _start.AddSeconds(60));
        Assert.Equal(50, await queries.CountAsync(query));
        var firstPage = await queries.QueryAsync(query, 0, 20);
        var thirdPage = await queries.QueryAsync(query, 40, 20);
        Assert.Equal(20, firstPage.Count);
        Assert.Equal(10, thirdPage.Count);
        Assert.All(firstPage, r => Assert.Equal(pv, r.DeviceId));
        Assert.Equal(_start.AddSeconds(59), firstPage[0].Timestamp); // newest first by default
        Assert.Equal(_start.AddSeconds(10), thirdPage[^1].Timestamp);

        var byPower = await queries.QueryAsync(new ReadingQuery(Sort: ReadingSort.PowerAscending), 0, 3);
        Assert.Equal([-99, -98, -97], byPower.Select(r => r.Values[CommonSeries.PowerIndex]));

        var streamed = new List<StoredReading>();
        await foreach (var reading in queries.StreamAsync(query with { Sort = ReadingSort.TimeAscending }))
        {
            streamed.Add(reading);
        }

        Assert.Equal(Enumerable.Range(10, 50).Select(i => _start.AddSeconds(i)), streamed.Select(r => r.Timestamp));
    }

    [Fact]
    public async Task Retention_DeletesOnlyReadingsOlderThanTheRetentionPeriod()
    {
        var settings = await NewDatabaseAsync();
        settings["Storage:RetentionDays"] = "7";
        var clock = new FakeTimeProvider(_start.AddDays(30));
        using var host = await CoreTestHost.BuildMigratedAsync(settings, s => s.AddSingleton<TimeProvider>(clock));
        var (manager, store, queries) = Services(host);
        var id = (await manager.CreateAsync(new CreateDevicesRequest(SolarPvType.TypeId, "PV", TimeSpan.FromSeconds(1), Start: false)))[0];

        // 20,000 readings 3 minutes apart: about 42 days back from "now".
        var now = clock.GetUtcNow();
        var rows = Enumerable.Range(0, 20_000).Select(i => Reading(id, SolarPvType.TypeId, 9, now.AddMinutes(-3 * i), power: i)).ToList();
        await store.WriteAsync(rows, CancellationToken.None);

        var deleted = await host.Services.GetServices<IHostedService>().OfType<RetentionService>().Single().RunOnceAsync(CancellationToken.None);

        var expectedKept = rows.Count(r => r.Timestamp >= now.AddDays(-7));
        Assert.Equal(rows.Count - expectedKept, deleted);
        Assert.Equal(expectedKept, await queries.CountAllAsync());
    }

    [Fact]
    public async Task InvalidDevices_AreRejectedWithWhatIsAllowed_AndNothingIsStored()
    {
        using var host = await CoreTestHost.BuildMigratedAsync(await NewDatabaseAsync());
        var (manager, _, _) = Services(host);

        var error = await Assert.ThrowsAsync<DeviceValidationException>(() => manager.CreateAsync(new CreateDevicesRequest(
            SolarPvType.TypeId, "", TimeSpan.FromMilliseconds(50), Count: 10_001,
            Parameters: new Dictionary<string, double> { ["peak_power"] = double.PositiveInfinity })));

        Assert.Contains("Name must be 1–100 characters.", error.Errors);
        Assert.Contains("Interval must be between 100 ms and 1 hour.", error.Errors);
        Assert.Contains("Count must be between 1 and 10,000.", error.Errors);
        Assert.Contains(error.Errors, e => e.StartsWith("Peak power must be a number between 100 and 1000000 W", StringComparison.Ordinal));

        var unknownType = await Assert.ThrowsAsync<DeviceValidationException>(() => manager.CreateAsync(new CreateDevicesRequest("nuclear", "Plant", TimeSpan.FromSeconds(1))));
        Assert.Contains("Device type must be one of: pv, heatpump, grid.", unknownType.Errors);
        await Assert.ThrowsAsync<DeviceValidationException>(() => manager.CreateAsync(new CreateDevicesRequest(SolarPvType.TypeId, "Bell\a", TimeSpan.FromSeconds(1))));

        await using var context = await Contexts(host).CreateDbContextAsync();
        Assert.Equal(0, await context.Devices.CountAsync());
    }

    [Fact]
    public async Task BulkCreation_NamesDevicesWithARunningNumber()
    {
        using var host = await CoreTestHost.BuildMigratedAsync(await NewDatabaseAsync());
        var (manager, _, _) = Services(host);

        var ids = await manager.CreateAsync(new CreateDevicesRequest(SolarPvType.TypeId, "Roof", TimeSpan.FromSeconds(1), Count: 1500, Start: false));

        Assert.Equal(1500, ids.Distinct().Count());
        Assert.Equal("Roof 0001", manager.Get(ids[0])!.Name);
        Assert.Equal("Roof 1500", manager.Get(ids[^1])!.Name);
        await using var context = await Contexts(host).CreateDbContextAsync();
        Assert.Equal(1500, await context.Devices.CountAsync());
        Assert.Equal(1500, await context.Devices.Select(d => d.ExternalId).Distinct().CountAsync());
    }

    [Fact]
    public async Task Restart_BringsBackDevicesConfigurationCountersAndReadings_AndRunningDevicesTickAgain()
    {
        var settings = await NewDatabaseAsync();
        int pv, hp;
        long pvCount;
        double pvEnergy;
        using (var first = CoreTestHost.Build(settings))
        {
            await first.StartAsync();
            var manager = first.Services.GetRequiredService<DeviceManager>();
            var site = await manager.CreateSiteAsync("Home", 40, -3.7, 0.1);
            pv = (await manager.CreateAsync(new CreateDevicesRequest(SolarPvType.TypeId, "PV", TimeSpan.FromMilliseconds(100), site,
                Parameters: new Dictionary<string, double> { ["peak_power"] = 4200 })))[0];
            hp = (await manager.CreateAsync(new CreateDevicesRequest(HeatPumpType.TypeId, "HP", TimeSpan.FromMilliseconds(100), site, Start: false)))[0];
            await CoreTestHost.WaitUntilAsync(() => Task.FromResult(manager.Get(pv)!.ReadingsCount >= 20), TimeSpan.FromSeconds(30), "20 readings");
            await first.StopAsync();

            pvCount = manager.Get(pv)!.ReadingsCount;
            pvEnergy = first.Services.GetRequiredService<IotDashboard.Core.Live.ILiveFeed>().Latest(pv)!.EnergyKwh;
            Assert.Equal(pvCount, await first.Services.GetRequiredService<MeasurementQueries>().CountAsync(new ReadingQuery([pv])));
        }

        using var second = CoreTestHost.Build(settings);
        await second.StartAsync();
        var restarted = second.Services.GetRequiredService<DeviceManager>();
        var pvView = restarted.Get(pv)!;
        Assert.Equal("PV", pvView.Name);
        Assert.Equal(4200, pvView.Parameters["peak_power"]);
        Assert.Equal(TimeSpan.FromMilliseconds(100), pvView.Interval);
        Assert.True(pvView.Running);
        Assert.False(restarted.Get(hp)!.Running);
        Assert.Equal("Home", Assert.Single(restarted.ListSites()).Name);
        Assert.True(pvView.ReadingsCount >= pvCount);

        await CoreTestHost.WaitUntilAsync(() => Task.FromResult(restarted.Get(pv)!.ReadingsCount >= pvCount + 10), TimeSpan.FromSeconds(30), "the PV to tick again");
        var feed = second.Services.GetRequiredService<IotDashboard.Core.Live.ILiveFeed>();
        Assert.True(feed.Latest(pv)!.EnergyKwh >= pvEnergy, "the energy counter continues instead of starting over");
        Assert.Equal(0, restarted.Get(hp)!.ReadingsCount);
        await second.StopAsync();
    }

    private static (DeviceManager Manager, MeasurementStore Store, MeasurementQueries Queries) Services(IHost host) =>
        (host.Services.GetRequiredService<DeviceManager>(), host.Services.GetRequiredService<MeasurementStore>(), host.Services.GetRequiredService<MeasurementQueries>());

    private static IDbContextFactory<IotDbContext> Contexts(IHost host) => host.Services.GetRequiredService<IDbContextFactory<IotDbContext>>();

    private static Measurement Reading(int deviceId, string type, int seriesCount, int second, double power) =>
        Reading(deviceId, type, seriesCount, _start.AddSeconds(second), power);

    private static Measurement Reading(int deviceId, string type, int seriesCount, DateTimeOffset time, double power)
    {
        var values = new double[seriesCount];
        values[CommonSeries.PowerIndex] = power;
        return new Measurement { DeviceId = deviceId, DeviceType = type, Timestamp = time, Values = values };
    }
}

public sealed class SqliteStorageTests : StorageTests
{
    protected override Task<Dictionary<string, string?>> NewDatabaseAsync() => Task.FromResult(CoreTestHost.Sqlite(CoreTestHost.TempSqlitePath()));
}

[Collection("postgres")]
public sealed class PostgresStorageTests(PostgresServerFixture postgres) : StorageTests
{
    protected override async Task<Dictionary<string, string?>> NewDatabaseAsync() => CoreTestHost.Postgres(await postgres.CreateDatabaseAsync());
}
