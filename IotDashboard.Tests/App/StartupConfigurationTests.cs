using IotDashboard.Tests.Infrastructure;

namespace IotDashboard.Tests.App;

/// <summary>The real app process: invalid configuration stops start-up with one line naming the key.</summary>
public sealed class StartupConfigurationTests
{
    [Theory]
    [InlineData("Database__Provider", "Mysql", "Invalid configuration: Database:Provider must be Sqlite or Postgres (got 'Mysql').")]
    [InlineData("Simulation__DefaultIntervalMs", "5", "Simulation:DefaultIntervalMs must be between 100 (100 ms) and 3600000 (1 h).")]
    [InlineData("Simulation__ResumeOnStart", "maybe", "Simulation:ResumeOnStart")]
    [InlineData("Storage__RetentionDays", "-1", "Storage:RetentionDays must be between 0 (keep everything) and 36500.")]
    [InlineData("Auth__AdminUser", "admin", "Auth:AdminPassword must be set when Auth:AdminUser is set.")]
    public async Task InvalidSetting_StopsStartup_WithOneLineNamingTheKey(string variable, string value, string expected)
    {
        var workingDirectory = Directory.CreateTempSubdirectory("iot-config-").FullName;
        var app = Path.Combine(AppContext.BaseDirectory, "IotDashboard.App.dll");
        var result = await ProcessRunner.RunAsync("env",
            [$"{variable}={value}", $"Database__ConnectionString=Data Source={workingDirectory}/app.db", "ASPNETCORE_URLS=http://127.0.0.1:0", "dotnet", app],
            workingDirectory, TimeSpan.FromSeconds(60));

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }
}
