using IotDashboard.Core.Devices;
using IotDashboard.Core.Live;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace IotDashboard.Tests.Core.Devices;

public sealed class DeviceTypeRegistryTests
{
    [Fact]
    public async Task AFourthType_RegisteredWithOneLine_RunsThroughTheWholePipeline()
    {
        using var host = CoreTestHost.Build(CoreTestHost.Sqlite(CoreTestHost.TempSqlitePath()),
            services => services.AddSingleton<IDeviceType, HomeBatteryType>()); // the one registration line
        await host.StartAsync();
        var manager = host.Services.GetRequiredService<DeviceManager>();
        var feed = host.Services.GetRequiredService<ILiveFeed>();
        var queries = host.Services.GetRequiredService<MeasurementQueries>();

        Assert.Contains(manager.Types.All, t => t.Id == "battery");
        var id = (await manager.CreateAsync(new CreateDevicesRequest("battery", "Garage battery", TimeSpan.FromMilliseconds(100),
            Parameters: new Dictionary<string, double> { ["capacity"] = 13.5 })))[0];

        await CoreTestHost.WaitUntilAsync(async () => await queries.CountAsync(new ReadingQuery([id])) >= 5, TimeSpan.FromSeconds(30), "stored battery readings");

        var stored = await queries.QueryAsync(new ReadingQuery([id]), 0, 10);
        Assert.All(stored, r =>
        {
            Assert.Equal("battery", r.DeviceType);
            Assert.Equal(6, r.Values.Length);
            Assert.InRange(r.Values[5], 0, 100); // state_of_charge came back from storage
        });
        Assert.Equal("battery", feed.Latest(id)!.DeviceType);
        Assert.Equal(13.5, manager.Get(id)!.Parameters["capacity"]);

        var validation = await Assert.ThrowsAsync<DeviceValidationException>(() => manager.CreateAsync(
            new CreateDevicesRequest("battery", "Too big", TimeSpan.FromSeconds(1), Parameters: new Dictionary<string, double> { ["capacity"] = 5000 })));
        Assert.Contains("Capacity must be between 1 and 1000 kWh (got 5000).", validation.Errors);
        await host.StopAsync();
    }

    [Fact]
    public void Registry_RefusesDuplicatesAndTypesWithoutTheCommonSeries()
    {
        var registry = DeviceTypeRegistry.CreateDefault();
        Assert.Throws<ArgumentException>(() => registry.Register(new IotDashboard.Core.Devices.Types.SolarPvType()));
        registry.Register(new HomeBatteryType());
        Assert.Equal(["battery", "grid", "heatpump", "pv"], registry.All.Select(t => t.Id).Order());

        var unknown = Assert.Throws<DeviceValidationException>(() => registry.Get("fusion"));
        Assert.Contains("Unknown device type 'fusion'", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EverySeriesKey_IsASafeIdentifier_WithACumulocityMapping()
    {
        foreach (var type in DeviceTypeRegistry.CreateDefault().All)
        {
            Assert.Equal(type.Series.Count, type.Series.Select(s => s.Key).Distinct().Count());
            Assert.All(type.Series, s =>
            {
                Assert.Matches("^[a-z][a-z0-9_]*$", s.Key);
                Assert.False(string.IsNullOrEmpty(s.CumulocityFragment));
                Assert.False(string.IsNullOrEmpty(s.CumulocitySeries));
            });
        }
    }
}
