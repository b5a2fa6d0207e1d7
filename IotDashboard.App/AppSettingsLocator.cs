using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace IotDashboard.App;

/// <summary>
/// Makes the repository root's appsettings.json the file the app reads: found by walking up from the working
/// directory to the folder holding IotDashboard.sln (<c>dotnet run</c> from a clone), else the copy next to
/// the binaries (<c>dotnet publish</c> output, the Docker image). Environment variables still override it.
/// </summary>
internal static class AppSettingsLocator
{
    public static void UseRepositoryAppSettings(this ConfigurationManager configuration, IHostEnvironment environment)
    {
        var folder = FindRepositoryRoot(Directory.GetCurrentDirectory())
            ?? FindRepositoryRoot(environment.ContentRootPath)
            ?? AppContext.BaseDirectory;

        var sources = ((IConfigurationBuilder)configuration).Sources;
        var index = sources.ToList().FindIndex(s => s is JsonConfigurationSource { Path: "appsettings.json" });
        if (index < 0)
        {
            return;
        }

        // Replace the defaults (content root) with the chosen folder's files, at the same precedence.
        var environmentFile = $"appsettings.{environment.EnvironmentName}.json";
        foreach (var stale in sources.OfType<JsonConfigurationSource>().Where(s => s.Path is "appsettings.json" || s.Path == environmentFile).ToList())
        {
            sources.Remove(stale);
        }

        var provider = new PhysicalFileProvider(folder);
        sources.Insert(index, Source(provider, "appsettings.json"));
        sources.Insert(index + 1, Source(provider, environmentFile));
    }

    private static JsonConfigurationSource Source(IFileProvider provider, string path) =>
        new() { FileProvider = provider, Path = path, Optional = true, ReloadOnChange = true };

    private static string? FindRepositoryRoot(string start)
    {
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "IotDashboard.sln")) && File.Exists(Path.Combine(folder.FullName, "appsettings.json")))
            {
                return folder.FullName;
            }
        }

        return null;
    }
}
