using IotDashboard.Core;
using IotDashboard.Core.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>The real Core (scheduler, pipeline, storage, live feed) in a generic host, on a database of the test's choosing.</summary>
public static class CoreTestHost
{
    public static IHost Build(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            EnvironmentName = "Testing",
            ContentRootPath = Path.GetTempPath(),
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddIotDashboardCore();
        configure?.Invoke(builder.Services);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder.Build();
    }

    public static Dictionary<string, string?> Sqlite(string path, bool seedDemo = false) => new()
    {
        ["Database:Provider"] = "Sqlite",
        ["Database:ConnectionString"] = $"Data Source={path}",
        ["Simulation:SeedDemo"] = seedDemo ? "true" : "false",
        ["Simulation:StateFlushSeconds"] = "1",
    };

    public static Dictionary<string, string?> Postgres(string connectionString, bool seedDemo = false) => new()
    {
        ["Database:Provider"] = "Postgres",
        ["Database:ConnectionString"] = connectionString,
        ["Simulation:SeedDemo"] = seedDemo ? "true" : "false",
        ["Simulation:StateFlushSeconds"] = "1",
    };

    /// <summary>Builds a host without starting it and applies the migrations, for tests that drive services directly.</summary>
    public static async Task<IHost> BuildMigratedAsync(IDictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var host = Build(settings, configure);
        await host.Services.GetRequiredService<DatabaseInitializer>().MigrateAsync(CancellationToken.None);
        return host;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="timeout"/> passes (real time: the host runs on the real clock).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(50);
        }
    }

    public static string TempSqlitePath() => Path.Combine(Path.GetTempPath(), $"iot-test-{Guid.NewGuid():N}.db");
}
