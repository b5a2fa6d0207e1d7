using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Bench;

/// <summary>The Core's storage services (<c>AddIotDashboardStorage</c>) over a fresh, migrated database.</summary>
public static class CoreStorage
{
    public static async Task<ServiceProvider> CreateAsync(StoreKind store, string connectionString, string baseDirectory, CancellationToken cancellationToken)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton(DeviceTypeRegistry.CreateDefault());
        services.AddIotDashboardStorage(
            new DatabaseOptions { Provider = store == StoreKind.Postgres ? DatabaseProvider.Postgres : DatabaseProvider.Sqlite, ConnectionString = connectionString },
            baseDirectory);
        services.AddSingleton<DatabaseInitializer>();
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<DatabaseInitializer>().MigrateAsync(cancellationToken);
        return provider;
    }
}
