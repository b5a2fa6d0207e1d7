using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using IotDashboard.Core.Simulation;

namespace IotDashboard.Core.Mqtt;

public static class MqttServiceCollectionExtensions
{
    /// <summary>
    /// MQTT publishing: <see cref="MqttOptions"/> from section <c>Mqtt</c>, settings stored in the database with
    /// Data Protection for secrets (keys in <see cref="MqttOptions.KeysPath"/>), the <see cref="MqttService"/> sink
    /// and hosted service. Register its hosted service before the pipeline pump, so that it stops after the pump
    /// has drained the pipeline.
    /// </summary>
    public static IServiceCollection AddIotDashboardMqtt(this IServiceCollection services, IConfiguration configuration, string baseDirectory)
    {
        var section = configuration.GetSection(MqttOptions.SectionName);
        services.AddOptions<MqttOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<MqttOptions>, MqttOptionsValidator>();

        var paths = new MqttPaths(baseDirectory);
        var keys = paths.Resolve(section[nameof(MqttOptions.KeysPath)] ?? new MqttOptions().KeysPath);
        services.AddDataProtection().SetApplicationName("IotDashboard").PersistKeysToFileSystem(new DirectoryInfo(keys));

        services.AddSingleton(paths);
        services.AddSingleton<MqttSettingsStore>();
        services.AddSingleton<MqttService>();
        services.AddSingleton<IMeasurementSink>(sp => sp.GetRequiredService<MqttService>());
        services.AddHostedService(sp => sp.GetRequiredService<MqttService>());
        return services;
    }
}

/// <summary>The rules across fields, each failure naming what to change.</summary>
internal sealed class MqttOptionsValidator : IValidateOptions<MqttOptions>
{
    public ValidateOptionsResult Validate(string? name, MqttOptions options)
    {
        var errors = options.ValidateCombination().Select(e => "Mqtt: " + e).ToList();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
