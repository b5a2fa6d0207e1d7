using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>
/// A real Mosquitto broker shared by the "mosquitto" collection, with a plain listener and a mutual-TLS listener
/// (client certificate required; its CN becomes the MQTT user name). Tests in one collection run one at a time,
/// so a test may stop and restart the broker to simulate an outage.
/// </summary>
public sealed class MosquittoFixture : IAsyncLifetime
{
    private const int MaxLogLines = 500;
    private const UnixFileMode ReadableDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(20);

    private readonly ConcurrentQueue<string> _log = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string _executable = "";
    private string _directory = "";
    private string _configPath = "";
    private TestCertificateAuthority? _authority;
    private Process? _process;

    public string Host => "127.0.0.1";

    public int PlainPort { get; private set; }

    public int TlsPort { get; private set; }

    /// <summary>Host name to validate the broker's certificate against (its SAN also holds 127.0.0.1).</summary>
    public string TlsServerName => "localhost";

    public string CaCertificatePath => Authority.CertificatePath;

    /// <summary>The CA that signed the broker's and the clients' certificates, without its private key.</summary>
    public X509Certificate2 CaCertificate => Authority.Certificate;

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The broker's recent log lines (connections, TLS errors), for assertions and failure messages.</summary>
    public string RecentLog => string.Join('\n', _log);

    private TestCertificateAuthority Authority =>
        _authority ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async Task InitializeAsync()
    {
        _executable = TestEnvironment.FindExecutable("mosquitto")
            ?? throw TestEnvironment.MissingDependency("The Mosquitto broker (Debian package mosquitto)");

        _directory = Path.Combine(Path.GetTempPath(), $"iot-mosquitto-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        TestEnvironment.SetUnixFileMode(_directory, ReadableDirectory);
        _authority = new TestCertificateAuthority(_directory);
        (string serverCertificate, string serverKey) = _authority.IssueServerCertificate(
            TlsServerName, [TlsServerName], [IPAddress.Loopback, IPAddress.IPv6Loopback]);
        _configPath = Path.Combine(_directory, "mosquitto.conf");

        // The ports are only reserved once the broker binds them; another process may win the race, so retry.
        for (int attempt = 1; ; attempt++)
        {
            PlainPort = TestEnvironment.FreeTcpPort();
            TlsPort = TestEnvironment.FreeTcpPort();
            WriteConfig(serverCertificate, serverKey);
            try
            {
                await StartAsync();
                break;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>Issues a client certificate signed by the broker's CA; the broker accepts it on the TLS listener.</summary>
    public ClientCertificate IssueClientCertificate(string commonName)
    {
        return Authority.IssueClientCertificate(commonName);
    }

    /// <summary>Starts the broker (again) on the same ports and waits until both listeners accept connections.</summary>
    public async Task StartAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (IsRunning)
            {
                return;
            }

            var startInfo = new ProcessStartInfo(_executable)
            {
                ArgumentList = { "-c", _configPath },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = _directory,
            };
            var process = new Process { StartInfo = startInfo };
            process.OutputDataReceived += (_, e) => AppendLog(e.Data);
            process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;

            await WaitUntilListeningAsync(process);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the broker abruptly, as a crash or network outage would: clients see their connection drop.</summary>
    public async Task StopAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await StopProcessAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        _authority?.Dispose();
        if (_directory.Length > 0)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task StopProcessAsync()
    {
        Process? process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            process.Dispose();
        }
    }

    private async Task WaitUntilListeningAsync(Process process)
    {
        DateTime deadline = DateTime.UtcNow + _startTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                await StopProcessAsync();
                throw new InvalidOperationException(
                    $"mosquitto exited with {process.ExitCode} while starting on ports {PlainPort}/{TlsPort}:\n{RecentLog}");
            }

            if (await AcceptsAsync(PlainPort) && await AcceptsAsync(TlsPort))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                await StopProcessAsync();
                throw new InvalidOperationException(
                    $"mosquitto did not listen on ports {PlainPort}/{TlsPort} within {_startTimeout.TotalSeconds} s:\n{RecentLog}");
            }

            await Task.Delay(50);
        }
    }

    private async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(Host, port).WaitAsync(TimeSpan.FromSeconds(2));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private void WriteConfig(string serverCertificate, string serverKey)
    {
        // per_listener_settings keeps the anonymous plain listener from weakening the TLS one.
        // Without a `user` line, a broker started as root drops to the mosquitto user: all files are world-readable.
        string config = $"""
            per_listener_settings true
            persistence false
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information
            connection_messages true
            log_timestamp_format %H:%M:%S

            listener {PlainPort} {Host}
            allow_anonymous true

            listener {TlsPort} {Host}
            cafile {Authority.CertificatePath}
            certfile {serverCertificate}
            keyfile {serverKey}
            require_certificate true
            use_identity_as_username true
            allow_anonymous false

            """;
        File.WriteAllText(_configPath, config);
        TestEnvironment.SetUnixFileMode(_configPath,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > MaxLogLines && _log.TryDequeue(out _))
        {
        }
    }
}

[CollectionDefinition("mosquitto")]
public sealed class MosquittoCollection : ICollectionFixture<MosquittoFixture>;
