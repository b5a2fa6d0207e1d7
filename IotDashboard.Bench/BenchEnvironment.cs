using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace IotDashboard.Bench;

/// <summary>
/// The folder for SQLite files, a throwaway PostgreSQL and a local Mosquitto — started on first use, stopped at
/// the end. Each run gets a fresh database so that no run measures another's rows.
/// </summary>
public sealed class BenchEnvironment : IAsyncDisposable
{
    private const string PgBin = "/usr/lib/postgresql/15/bin";

    private readonly BenchOptions _options;
    private readonly bool _ownsDirectory;
    private readonly List<string> _databases = [];
    private string? _pgAdmin;
    private string? _pgDirectory;
    private Process? _mosquitto;
    private (string Host, int Port)? _broker;
    private int _counter;

    public BenchEnvironment(BenchOptions options)
    {
        _options = options;
        _ownsDirectory = options.DataDirectory is null;
        WorkDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), $"iotbench-{Environment.ProcessId}");
        Directory.CreateDirectory(WorkDirectory);
    }

    public string WorkDirectory { get; }

    public string NewSqliteConnectionString(string name)
    {
        var path = Path.Combine(WorkDirectory, $"{name}-{Interlocked.Increment(ref _counter)}.db");
        DeleteSqlite(path);
        return $"Data Source={path};Pooling=True";
    }

    public static void DeleteSqlite(string path)
    {
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(path + suffix);
        }
    }

    /// <summary>A new, empty database on the PostgreSQL server (started on first use unless --pg was given).</summary>
    public async Task<string> NewPostgresDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        var admin = await PostgresAdminAsync(cancellationToken);
        var database = $"iotbench_{name}_{Interlocked.Increment(ref _counter)}";
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database}", connection);
            await drop.ExecuteNonQueryAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        _databases.Add(database);
        return new NpgsqlConnectionStringBuilder(admin) { Database = database, Pooling = true, MaxPoolSize = 20 }.ConnectionString;
    }

    /// <summary>Drops a database the bench created, to keep the disk from filling up during a capacity search.</summary>
    public async Task DropPostgresDatabaseAsync(string connectionString, CancellationToken cancellationToken)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (_pgAdmin is null || database is null || !_databases.Remove(database))
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_pgAdmin);
        await connection.OpenAsync(cancellationToken);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync(cancellationToken);
    }

    public string PostgresDescription => _options.PostgresConnectionString is not null
        ? "given by --pg"
        : "throwaway PostgreSQL 15 started by the bench (default settings: fsync on, synchronous_commit on)";

    /// <summary>The broker for --mqtt: a Mosquitto started here for "local", else the given host:port.</summary>
    public async Task<(string Host, int Port)> BrokerAsync(CancellationToken cancellationToken)
    {
        if (_broker is { } known)
        {
            return known;
        }

        if (!string.Equals(_options.Mqtt, "local", StringComparison.OrdinalIgnoreCase))
        {
            var parts = _options.Mqtt.Split(':');
            if (parts.Length != 2 || !int.TryParse(parts[1], out var port))
            {
                throw new ArgumentException($"--mqtt must be none, local or HOST:PORT (got '{_options.Mqtt}').");
            }

            _broker = (parts[0], port);
            return _broker.Value;
        }

        var freePort = FreePort();
        var config = Path.Combine(WorkDirectory, "mosquitto.conf");
        // No per-client queue limit for QoS 0 so the broker does not drop what a slow subscriber has not read yet.
        await File.WriteAllTextAsync(config, $"""
            listener {freePort} 127.0.0.1
            allow_anonymous true
            max_queued_messages 0
            persistence false
            log_dest none
            """, cancellationToken);
        _mosquitto = Process.Start(new ProcessStartInfo("mosquitto", ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("mosquitto did not start (apt-get install -y mosquitto).");
        await WaitForPortAsync(freePort, cancellationToken);
        _broker = ("127.0.0.1", freePort);
        return _broker.Value;
    }

    public async ValueTask DisposeAsync()
    {
        if (_mosquitto is { HasExited: false })
        {
            _mosquitto.Kill();
            await _mosquitto.WaitForExitAsync();
        }

        _mosquitto?.Dispose();
        NpgsqlConnection.ClearAllPools();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_pgDirectory is not null)
        {
            await RunAsync("runuser", ["-u", "postgres", "--", $"{PgBin}/pg_ctl", "-D", Path.Combine(_pgDirectory, "data"), "-m", "immediate", "-w", "stop"], CancellationToken.None, check: false);
        }
        else if (_pgAdmin is not null)
        {
            foreach (var database in _databases.ToList())
            {
                try
                {
                    await using var connection = new NpgsqlConnection(_pgAdmin);
                    await connection.OpenAsync();
                    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {database} WITH (FORCE)", connection);
                    await drop.ExecuteNonQueryAsync();
                }
                catch (NpgsqlException)
                {
                    // Best effort on a server we do not own.
                }
            }
        }

        if (!_options.Keep)
        {
            try
            {
                if (_ownsDirectory)
                {
                    Directory.Delete(WorkDirectory, recursive: true);
                }
                else if (_pgDirectory is not null)
                {
                    Directory.Delete(_pgDirectory, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task<string> PostgresAdminAsync(CancellationToken cancellationToken)
    {
        if (_pgAdmin is not null)
        {
            return _pgAdmin;
        }

        if (_options.PostgresConnectionString is { } given)
        {
            _pgAdmin = given;
            return given;
        }

        if (!File.Exists($"{PgBin}/initdb"))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({PgBin}/initdb missing): apt-get install -y postgresql, or pass --pg.");
        }

        var directory = Path.Combine(WorkDirectory, "pg");
        Directory.CreateDirectory(directory);
        await RunAsync("chown", ["postgres:postgres", directory], cancellationToken);
        await RunAsync("chmod", ["700", directory], cancellationToken);
        // The parent folders must be passable for the postgres user.
        await RunAsync("chmod", ["o+x", WorkDirectory], cancellationToken, check: false);
        var data = Path.Combine(directory, "data");
        await RunAsync("runuser", ["-u", "postgres", "--", $"{PgBin}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"], cancellationToken);
        var port = FreePort();
        await RunAsync("runuser", ["-u", "postgres", "--", $"{PgBin}/pg_ctl", "-D", data, "-l", Path.Combine(directory, "pg.log"), "-w", "-t", "60", "start",
            "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB"], cancellationToken);
        _pgDirectory = directory;
        _pgAdmin = $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";
        return _pgAdmin;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, CancellationToken cancellationToken)
    {
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new InvalidOperationException($"Nothing listens on port {port}.");
    }

    private static async Task RunAsync(string file, string[] arguments, CancellationToken cancellationToken, bool check = true)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{file} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
