using System.Text.RegularExpressions;

using Npgsql;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster on a free loopback port, shared by the "postgres" collection. Each test that
/// needs isolation creates its own database with <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed partial class PostgresServerFixture : IAsyncLifetime
{
    private const string SuperUser = "postgres";
    private static readonly TimeSpan _toolTimeout = TimeSpan.FromMinutes(2);

    // PostgreSQL refuses to run as root, so under root every server tool runs as the postgres user.
    private readonly bool _runAsPostgresUser = Environment.IsPrivilegedProcess;
    private string _binDirectory = "";
    private string _rootDirectory = "";
    private string? _runUser;

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>Superuser connection to the <c>postgres</c> maintenance database.</summary>
    public string ConnectionString { get; private set; } = "";

    public bool IsRunning { get; private set; }

    private string DataDirectory => Path.Combine(_rootDirectory, "data");

    public async Task InitializeAsync()
    {
        _binDirectory = FindBinDirectory()
            ?? throw TestEnvironment.MissingDependency("The PostgreSQL server (/usr/lib/postgresql/*/bin/initdb, Debian package postgresql)");
        if (_runAsPostgresUser)
        {
            _runUser = TestEnvironment.FindExecutable("runuser")
                ?? throw TestEnvironment.MissingDependency("runuser (Debian package util-linux)");
        }

        _rootDirectory = Path.Combine(Path.GetTempPath(), $"iot-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_rootDirectory);
        if (_runAsPostgresUser)
        {
            await ProcessRunner.RunCheckedAsync("chown", [$"{SuperUser}:{SuperUser}", _rootDirectory]);
        }

        TestEnvironment.SetUnixFileMode(_rootDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        await RunServerToolAsync("initdb",
            ["-D", DataDirectory, "-U", SuperUser, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"]);

        // The port is only reserved once the server binds it; another process may win the race, so retry.
        for (int attempt = 1; ; attempt++)
        {
            Port = TestEnvironment.FreeTcpPort();
            try
            {
                await StartServerAsync();
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }

        ConnectionString = BuildConnectionString("postgres");
    }

    /// <summary>Creates an empty database and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= $"test_{Guid.NewGuid():N}";
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain lower-case identifier.", nameof(name));
        }

        // No pooling: an idle admin connection would outlive a StopServerAsync and fail the next call.
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();

        return BuildConnectionString(name);
    }

    /// <summary>Stops the server (fast shutdown: clients are disconnected) and keeps its data.</summary>
    public async Task StopServerAsync()
    {
        if (!IsRunning)
        {
            return;
        }

        await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "stop"]);
        IsRunning = false;
    }

    /// <summary>Starts the same cluster again on the same port.</summary>
    public async Task StartServerAsync()
    {
        if (IsRunning)
        {
            return;
        }

        string options = $"-p {Port} -k {_rootDirectory} -c listen_addresses={Host} "
            + "-c fsync=off -c synchronous_commit=off -c full_page_writes=off";
        await RunServerToolAsync("pg_ctl",
            ["-D", DataDirectory, "-l", Path.Combine(_rootDirectory, "postgres.log"), "-w", "-t", "60", "-o", options, "start"]);
        IsRunning = true;
    }

    public async Task DisposeAsync()
    {
        if (_rootDirectory.Length == 0)
        {
            return;
        }

        try
        {
            if (Directory.Exists(DataDirectory))
            {
                await RunServerToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], check: false);
            }
        }
        finally
        {
            IsRunning = false;
            try
            {
                Directory.Delete(_rootDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private string BuildConnectionString(string database)
    {
        return new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Username = SuperUser,
            Database = database,
            IncludeErrorDetail = true,
        }.ConnectionString;
    }

    private async Task RunServerToolAsync(string tool, IReadOnlyList<string> arguments, bool check = true)
    {
        string executable = Path.Combine(_binDirectory, tool);
        (string fileName, IEnumerable<string> allArguments) = _runUser is null
            ? (executable, arguments)
            : (_runUser, ["-u", SuperUser, "--", executable, .. arguments]);

        ProcessResult result = await ProcessRunner.RunAsync(fileName, allArguments, _rootDirectory, _toolTimeout);
        if (check && result.ExitCode != 0)
        {
            string log = Path.Combine(_rootDirectory, "postgres.log");
            string serverLog = File.Exists(log) ? File.ReadAllText(log) : "";
            throw new InvalidOperationException(
                $"{tool} {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.Output}\n{serverLog}");
        }
    }

    private static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        // Newest major version first; the Debian layout is /usr/lib/postgresql/<major>/bin.
        return Directory.GetDirectories(root)
            .Select(directory => (Directory: directory, Major: int.TryParse(Path.GetFileName(directory), out int major) ? major : -1))
            .OrderByDescending(candidate => candidate.Major)
            .Select(candidate => Path.Combine(candidate.Directory, "bin"))
            .FirstOrDefault(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")));
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}

[CollectionDefinition("postgres")]
public sealed class PostgresCollection : ICollectionFixture<PostgresServerFixture>;
