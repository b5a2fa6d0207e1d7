using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IotDashboard.Core.Settings;

public static class SettingsServiceExtensions
{
    /// <summary>
    /// Settings edited in the UI and stored in the database, layered over appsettings.json. Call after
    /// <see cref="IotDashboardCoreExtensions.AddIotDashboardCore"/>.
    /// </summary>
    public static IHostApplicationBuilder AddIotDashboardSettings(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<AppSettingsStore>();
        services.AddSingleton<SettingsOptionsOverrides>();
        services.AddSingleton<IPostConfigureOptions<SimulationOptions>>(sp => sp.GetRequiredService<SettingsOptionsOverrides>());
        services.AddSingleton<IPostConfigureOptions<StorageOptions>>(sp => sp.GetRequiredService<SettingsOptionsOverrides>());
        services.AddSingleton<IOptionsChangeTokenSource<SimulationOptions>>(sp => sp.GetRequiredService<SettingsOptionsOverrides>());
        services.AddSingleton<IOptionsChangeTokenSource<StorageOptions>>(sp => sp.GetRequiredService<SettingsOptionsOverrides>());
        return builder;
    }
}
