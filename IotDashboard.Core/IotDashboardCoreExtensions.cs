using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Live;
using IotDashboard.Core.Mqtt;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace IotDashboard.Core;

public static class IotDashboardCoreExtensions
{
    /// <summary>
    /// Everything that is not UI: device types, the scheduler and its pipeline, storage, the live feed, and the
    /// hosted services in the order they must start (and, reversed, stop).
    /// </summary>
    public static IHostApplicationBuilder AddIotDashboardCore(this IHostApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var database = ReadDatabaseOptions(configuration);
        var services = builder.Services;

        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SimulationOptions>().Bind(configuration.GetSection(SimulationOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(database));
        CheckBindable<SimulationOptions>(configuration, SimulationOptions.SectionName);
        CheckBindable<StorageOptions>(configuration, StorageOptions.SectionName);

        // The built-in device types; a new type is one more line like these.
        services.AddSingleton<IDeviceType, SolarPvType>();
        services.AddSingleton<IDeviceType, HeatPumpType>();
        services.AddSingleton<IDeviceType, MainGridType>();
        services.TryAddSingleton(sp => new DeviceTypeRegistry(sp.GetServices<IDeviceType>()));

        services.AddSingleton<MeasurementPipeline>();
        services.AddSingleton<PipelineMetrics>();
        services.AddSingleton<LiveFeed>();
        services.AddSingleton<ILiveFeed>(sp => sp.GetRequiredService<LiveFeed>());
        services.AddSingleton<IMeasurementSink>(sp => sp.GetRequiredService<LiveFeed>());
        var baseDirectory = ConfigurationDirectory(builder);
        services.AddIotDashboardStorage(database, baseDirectory);
        services.AddSingleton<DeviceScheduler>();
        services.AddSingleton<DeviceManager>();
        services.AddSingleton<PipelinePump>();
        services.AddSingleton<DatabaseInitializer>();

        // Start order; the host stops them in reverse: the scheduler stops generating, the flusher writes the
        // counters, then the pump drains the pipeline into the sinks.
        services.AddHostedService(sp => sp.GetRequiredService<DatabaseInitializer>());

        // MQTT reads its saved settings after the database is ready and stops after the pump has drained.
        services.AddIotDashboardMqtt(configuration, baseDirectory);
        CheckBindable<MqttOptions>(configuration, MqttOptions.SectionName);
        services.AddHostedService(sp => sp.GetRequiredService<PipelinePump>());
        services.AddHostedService<DeviceStateFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<DeviceScheduler>());
        services.AddHostedService<SimulationStartup>();
        services.AddHostedService<RetentionService>();
        return builder;
    }

    private static DatabaseOptions ReadDatabaseOptions(IConfiguration configuration)
    {
        var section = configuration.GetSection(DatabaseOptions.SectionName);
        var provider = section["Provider"];
        if (provider is not null && !Enum.TryParse<DatabaseProvider>(provider, ignoreCase: true, out _))
        {
            throw new InvalidConfigurationException($"Database:Provider must be Sqlite or Postgres (got '{provider}').");
        }

        var options = section.Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new InvalidConfigurationException("Database:ConnectionString must not be empty.");
        }

        if (options.Provider == DatabaseProvider.Postgres && section["ConnectionString"] is null)
        {
            throw new InvalidConfigurationException("Database:ConnectionString must be set for Postgres, e.g. Host=localhost;Username=iot;Password=…;Database=iot.");
        }

        return options;
    }

    /// <summary>Turns the binder's conversion failure ("maybe" for a bool) into one line naming the key.</summary>
    private static void CheckBindable<T>(IConfiguration configuration, string section)
    {
        try
        {
            configuration.GetSection(section).Get<T>();
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidConfigurationException(ex.Message);
        }
    }

    /// <summary>The folder of the appsettings.json in use: relative paths in it (the SQLite file) are relative to it.</summary>
    private static string ConfigurationDirectory(IHostApplicationBuilder builder)
    {
        var source = ((IConfigurationBuilder)builder.Configuration).Sources.OfType<JsonConfigurationSource>()
            .LastOrDefault(s => string.Equals(Path.GetFileName(s.Path), "appsettings.json", StringComparison.OrdinalIgnoreCase));
        return (source?.FileProvider as PhysicalFileProvider)?.Root ?? builder.Environment.ContentRootPath;
    }
}
