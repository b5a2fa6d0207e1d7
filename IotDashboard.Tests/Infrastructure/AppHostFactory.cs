using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>
/// The real app on a real port (Kestrel), with its own SQLite file in a temp folder, for browser tests. The
/// configuration is read eagerly in Program, so overrides go in as host settings.
/// </summary>
public sealed class AppHostFactory : WebApplicationFactory<Program>
{
    private readonly string _folder = Directory.CreateTempSubdirectory("iotdashboard-e2e-").FullName;
    private readonly bool _seedDemo;

    public AppHostFactory(bool seedDemo = true)
    {
        _seedDemo = seedDemo;
        this.UseKestrel(0);
    }

    public string DatabasePath => Path.Combine(_folder, "iotdashboard.db");

    /// <summary>Starts the server once; the address a browser opens.</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return ClientOptions.BaseAddress;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development"); // static web assets are served from the projects in Development
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("Database:ConnectionString", $"Data Source={DatabasePath}");
        builder.UseSetting("Simulation:SeedDemo", _seedDemo ? "true" : "false");
        builder.UseSetting("Simulation:ResumeOnStart", "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        TryDelete();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TryDelete();
    }

    private void TryDelete()
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open at exit stays in the temp folder; harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
