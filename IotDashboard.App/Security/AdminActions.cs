using IotDashboard.Core.Settings;
using IotDashboard.Core.Simulation;

namespace IotDashboard.App.Security;

/// <summary>
/// Every change the UI can make, each behind <see cref="AdminGate"/>: the UI calls this, never the mutating
/// methods of <see cref="DeviceManager"/> or <see cref="AppSettingsStore"/> directly (a test checks the App's
/// code for that). Validation stays where it was, in the services.
/// </summary>
public sealed class AdminActions(AdminGate gate, DeviceManager devices, AppSettingsStore settings)
{
    public async Task<IReadOnlyList<int>> CreateDevicesAsync(CreateDevicesRequest request, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(CreateDevicesAsync), cancellationToken);
        return await devices.CreateAsync(request, cancellationToken);
    }

    public async Task StartDevicesAsync(IReadOnlyCollection<int> ids, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(StartDevicesAsync), cancellationToken);
        await devices.StartAsync(ids, cancellationToken);
    }

    public async Task StopDevicesAsync(IReadOnlyCollection<int> ids, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(StopDevicesAsync), cancellationToken);
        await devices.StopAsync(ids, cancellationToken);
    }

    public async Task DeleteDevicesAsync(IReadOnlyCollection<int> ids, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(DeleteDevicesAsync), cancellationToken);
        await devices.DeleteAsync(ids, cancellationToken);
    }

    public async Task ConfigureDeviceAsync(int id, TimeSpan interval, IReadOnlyDictionary<string, double> parameters, string? name = null, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(ConfigureDeviceAsync), cancellationToken);
        await devices.ConfigureAsync(id, interval, parameters, name, cancellationToken);
    }

    public async Task<int> CreateSiteAsync(string name, double latitude, double longitude, double cloudiness, long? seed = null, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(CreateSiteAsync), cancellationToken);
        return await devices.CreateSiteAsync(name, latitude, longitude, cloudiness, seed, cancellationToken);
    }

    public async Task UpdateSiteAsync(int id, string name, double latitude, double longitude, double cloudiness, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(UpdateSiteAsync), cancellationToken);
        await devices.UpdateSiteAsync(id, name, latitude, longitude, cloudiness, cancellationToken);
    }

    public async Task SaveSimulationDefaultsAsync(SimulationDefaults defaults, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(SaveSimulationDefaultsAsync), cancellationToken);
        await settings.SaveAsync(defaults, cancellationToken);
    }
}
