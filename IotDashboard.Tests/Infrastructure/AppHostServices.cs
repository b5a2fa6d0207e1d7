using IotDashboard.App.Model;
using IotDashboard.App.Security;
using IotDashboard.Core;
using IotDashboard.Core.Live;
using IotDashboard.Core.Settings;
using IotDashboard.Core.Simulation;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>
/// The real Core services (scheduler, pipeline, live feed, SQLite storage in a temp folder, settings) started as a
/// host, for bUnit tests that render components against them instead of mocks. No demo is seeded; tests create
/// what they need through <see cref="Devices"/>. Identity's stores are there too, with an administrator
/// (<see cref="AdminName"/>) and a viewer (<see cref="ViewerName"/>).
/// </summary>
public sealed class AppHostServices : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _folder;

    private AppHostServices(IHost host, string folder)
    {
        _host = host;
        _folder = folder;
    }

    public const string AdminName = "admin";
    public const string ViewerName = "viewer";
    public const string Password = "correct horse battery";

    public IServiceProvider Services => _host.Services;

    public string AdminId { get; private set; } = string.Empty;

    public string ViewerId { get; private set; } = string.Empty;

    public DeviceManager Devices => Services.GetRequiredService<DeviceManager>();

    public LiveFeed Feed => Services.GetRequiredService<LiveFeed>();

    public static async Task<AppHostServices> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var folder = Directory.CreateTempSubdirectory("iotdashboard-ui-").FullName;
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = "Development",
            ContentRootPath = folder,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["Database:ConnectionString"] = $"Data Source={Path.Combine(folder, "test.db")}",
            ["Simulation:SeedDemo"] = "false",
            ["Simulation:StateFlushSeconds"] = "1",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:AdminUser"] = AdminName, ["Auth:AdminPassword"] = Password });
        builder.AddIotDashboardCore();
        builder.AddIotDashboardSettings();
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName));
        builder.Services.AddIotDashboardIdentityStores();
        builder.Services.AddHostedService<IdentitySeeder>();
        var host = builder.Build();
        await host.StartAsync();
        var services = new AppHostServices(host, folder);
        services.AdminId = (await services.FindUserAsync(AdminName))!.Id;
        services.ViewerId = await services.CreateUserAsync(ViewerName, AppRoles.Viewer);
        return services;
    }

    /// <summary>Registers what the app's UI adds on top of Core, then falls back to the host for everything else.</summary>
    public void AddTo(Bunit.BunitServiceProvider services)
    {
        services.AddScoped<BrowserTime>();
        // The fallback provider serves direct look-ups only, so what the test container builds gets its Core parts here.
        // The gate reads the test's (bUnit's) signed-in user and checks the role in the host's database.
        services.AddScoped(sp => Gate(sp.GetRequiredService<AuthenticationStateProvider>()));
        services.AddScoped(sp => new AdminActions(sp.GetRequiredService<AdminGate>(), Devices, Services.GetRequiredService<AppSettingsStore>()));
        services.AddScoped(sp => new MqttAdminActions(sp.GetRequiredService<AdminGate>(), Services.GetRequiredService<IotDashboard.Core.Mqtt.MqttService>()));
        services.AddScoped(sp => new UserAdministration(sp.GetRequiredService<AdminGate>(), Services.GetRequiredService<IServiceScopeFactory>(), TimeProvider.System));
        services.AddScoped(sp => new DeviceCommands(sp.GetRequiredService<AdminActions>(), sp.GetRequiredService<MudBlazor.IDialogService>(), sp.GetRequiredService<MudBlazor.ISnackbar>()));
        services.AddFallbackServiceProvider(Services);
    }

    /// <summary>An admin gate for whoever <paramref name="authentication"/> says is signed in.</summary>
    public AdminGate Gate(AuthenticationStateProvider authentication) =>
        new(authentication, Services.GetRequiredService<IServiceScopeFactory>(), Services.GetRequiredService<ILogger<AdminGate>>());

    public async Task<IdentityUser?> FindUserAsync(string userName)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().FindByNameAsync(userName);
    }

    /// <summary>Creates a user with <see cref="Password"/> in <paramref name="role"/>; returns the id.</summary>
    public async Task<string> CreateUserAsync(string userName, string role)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        var result = await users.CreateAsync(user, Password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, role);
        return user.Id;
    }

    /// <summary>Creates one site and returns its id.</summary>
    public Task<int> CreateSiteAsync(string name = "Test site") => Devices.CreateSiteAsync(name, 52.52, 13.405, 0.3, seed: 7);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _host.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>Stored readings for tests that query, without waiting for the scheduler.</summary>
internal static class StoredReadings
{
    /// <summary>Writes <paramref name="count"/> readings of a device, one per <paramref name="step"/>, ending now, through the real bulk writer.</summary>
    public static async Task WriteAsync(IServiceProvider services, int deviceId, string typeId, int count, TimeSpan step, double power = 1000)
    {
        var types = services.GetRequiredService<IotDashboard.Core.Devices.DeviceTypeRegistry>();
        var writer = services.GetRequiredService<IotDashboard.Core.Storage.Bulk.IBulkMeasurementWriter>();
        var type = types.Get(typeId);
        var end = DateTimeOffset.UtcNow;
        var batch = Enumerable.Range(0, count).Select(i =>
        {
            var values = new double[type.Series.Count];
            values[0] = power + i;
            values[1] = 230;
            values[2] = (power + i) / 230;
            values[3] = 1;
            values[4] = i * 0.001;
            return new IotDashboard.Core.Devices.Measurement { DeviceId = deviceId, DeviceType = typeId, Timestamp = end - (step * (count - 1 - i)), Values = values };
        }).ToList();
        await writer.WriteAsync(batch, CancellationToken.None);
    }
}
