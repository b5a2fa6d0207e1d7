using System.Net;
using System.Net.Sockets;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>Facts about the machine the tests run on, shared by the fixtures.</summary>
public static class TestEnvironment
{
    private static readonly Lazy<string> _repositoryRoot = new(FindRepositoryRoot);

    /// <summary>CI sets CI=true; there a missing integration dependency is a hard failure, never a skip.</summary>
    public static bool IsCi => Environment.GetEnvironmentVariable("CI") == "true";

    /// <summary>The folder that holds IotDashboard.sln.</summary>
    public static string RepositoryRoot => _repositoryRoot.Value;

    /// <summary>A TCP port on the loopback interface that was free a moment ago.</summary>
    public static int FreeTcpPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Finds an executable on PATH, or in the sbin folders that a non-root PATH often lacks.</summary>
    public static string? FindExecutable(string name)
    {
        IEnumerable<string> directories = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);

        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate)
                && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Sets permissions where they exist; the fixtures' services only run on Linux anyway.</summary>
    public static void SetUnixFileMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    /// <summary>
    /// The exception to throw when a system dependency is missing. Tests never skip silently: a green run
    /// must mean the integration tests really ran.
    /// </summary>
    public static InvalidOperationException MissingDependency(string what)
    {
        string message = IsCi
            ? $"{what} is not installed, and CI=true requires it. .ci/run runs ./test.sh, which installs it: check its apt-get output."
            : $"{what} is not installed. Run ./test.sh from the repository root once: it installs the test dependencies with apt-get.";
        return new InvalidOperationException(message);
    }

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "IotDashboard.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains IotDashboard.sln.");
    }
}
