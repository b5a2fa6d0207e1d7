using IotDashboard.Core.Devices.Types;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotDashboard.Core.Simulation;

/// <summary>
/// Loads the fleet into the scheduler at start-up (after the database is migrated) and, on an empty database,
/// creates the demo: one site with a PV system, a heat pump and a grid meter, running.
/// </summary>
public sealed partial class SimulationStartup(DeviceManager devices, IOptions<SimulationOptions> options, ILogger<SimulationStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await devices.LoadAsync(cancellationToken);
        if (options.Value.SeedDemo && devices.List().Count == 0 && devices.ListSites().Count == 0)
        {
            await SeedDemoAsync(cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task SeedDemoAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(2);
        var site = await devices.CreateSiteAsync("Demo home", 52.52, 13.405, 0.35, seed: 42, cancellationToken: cancellationToken);
        await devices.CreateAsync(new CreateDevicesRequest(SolarPvType.TypeId, "Roof PV", interval, site, Seed: 1), cancellationToken);
        await devices.CreateAsync(new CreateDevicesRequest(HeatPumpType.TypeId, "Heat pump", interval, site, Seed: 2), cancellationToken);
        await devices.CreateAsync(new CreateDevicesRequest(MainGridType.TypeId, "Grid meter", interval, site, Seed: 3), cancellationToken);
        LogDemoCreated();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the demo site with a PV system, a heat pump and a grid meter")]
    private partial void LogDemoCreated();
}
