using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

using Npgsql;

namespace IotDashboard.Tests.Infrastructure;

[Collection("postgres")]
public sealed class PostgresServerFixtureTests(PostgresServerFixture postgres)
{
    [Fact]
    public async Task Server_answers_select_version()
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select version()", connection);

        string? version = (string?)await command.ExecuteScalarAsync();

        Assert.StartsWith("PostgreSQL ", version);
    }

    [Fact]
    public async Task CreateDatabaseAsync_returns_a_fresh_empty_database()
    {
        string first = await postgres.CreateDatabaseAsync();
        string second = await postgres.CreateDatabaseAsync("fixture_named_database");

        Assert.NotEqual(new NpgsqlConnectionStringBuilder(first).Database, new NpgsqlConnectionStringBuilder(second).Database);
        Assert.Equal("fixture_named_database", new NpgsqlConnectionStringBuilder(second).Database);

        await using var connection = new NpgsqlConnection(first);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select current_database(), (select count(*) from information_schema.tables where table_schema = 'public')",
            connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(new NpgsqlConnectionStringBuilder(first).Database, reader.GetString(0));
        Assert.Equal(0, reader.GetInt64(1));
    }

    [Fact]
    public async Task Server_can_be_stopped_and_restarted_on_the_same_port()
    {
        string database = await postgres.CreateDatabaseAsync();
        string connectionString = new NpgsqlConnectionStringBuilder(database) { Pooling = false, Timeout = 5 }.ConnectionString;
        int port = postgres.Port;
        await ExecuteAsync(connectionString, "create table survivor (id int primary key); insert into survivor values (42)");

        await postgres.StopServerAsync();
        try
        {
            Assert.False(postgres.IsRunning);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => ExecuteAsync(connectionString, "select 1"));
        }
        finally
        {
            await postgres.StartServerAsync();
        }

        Assert.True(postgres.IsRunning);
        Assert.Equal(port, postgres.Port);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select id from survivor", connection);
        Assert.Equal(42, (int)(await command.ExecuteScalarAsync())!);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

[Collection("mosquitto")]
public sealed class MosquittoFixtureTests(MosquittoFixture broker)
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Plain_listener_round_trips_a_message()
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientConnectResult result = await client.ConnectAsync(PlainOptions("fixture-plain"));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);

        string payload = await RoundTripAsync(client, $"fixture/plain/{Guid.NewGuid():N}", "hello");

        Assert.Equal("hello", payload);
    }

    [Fact]
    public async Task Tls_listener_accepts_a_client_certificate_and_uses_its_common_name_as_user()
    {
        ClientCertificate certificate = broker.IssueClientCertificate("device-1");
        Assert.True(certificate.Certificate.HasPrivateKey);
        Assert.True(File.Exists(certificate.CertificatePemPath));
        Assert.True(File.Exists(certificate.PrivateKeyPemPath));

        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientConnectResult result = await client.ConnectAsync(TlsOptions("device-1", certificate.Certificate));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);

        string payload = await RoundTripAsync(client, $"devices/device-1/{Guid.NewGuid():N}", "over tls");
        Assert.Equal("over tls", payload);

        // use_identity_as_username: the broker logs the CN as the user name of the connection.
        await WaitForAsync(() => broker.RecentLog.Contains("u'device-1'", StringComparison.Ordinal), broker.RecentLog);
    }

    [Fact]
    public async Task Tls_listener_refuses_a_client_without_certificate()
    {
        (MqttClientConnectResult? result, Exception? error) = await TryConnectAsync(TlsOptions("no-certificate", clientCertificate: null));

        Assert.True(
            error is not null || result!.ResultCode != MqttClientConnectResultCode.Success,
            $"A client without certificate connected: {result?.ResultCode}");
    }

    [Fact]
    public async Task Tls_listener_refuses_a_certificate_from_another_authority()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"iot-foreign-ca-{Guid.NewGuid():N}");
        try
        {
            using var foreign = new TestCertificateAuthority(directory, "Foreign CA");
            ClientCertificate certificate = foreign.IssueClientCertificate("device-1");

            (MqttClientConnectResult? result, Exception? error) = await TryConnectAsync(TlsOptions("foreign", certificate.Certificate));

            Assert.True(
                error is not null || result!.ResultCode != MqttClientConnectResultCode.Success,
                $"A client with a foreign certificate connected: {result?.ResultCode}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task Broker_can_be_stopped_and_restarted_on_the_same_ports()
    {
        int plainPort = broker.PlainPort;
        int tlsPort = broker.TlsPort;
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(PlainOptions("fixture-outage"));

        await broker.StopAsync();
        try
        {
            Assert.False(broker.IsRunning);
            await WaitForAsync(() => !client.IsConnected, "the client still believes it is connected");
            using var probe = new TcpClient();
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync(broker.Host, plainPort));
        }
        finally
        {
            await broker.StartAsync();
        }

        Assert.True(broker.IsRunning);
        Assert.Equal(plainPort, broker.PlainPort);
        Assert.Equal(tlsPort, broker.TlsPort);
        MqttClientConnectResult result = await client.ConnectAsync(PlainOptions("fixture-outage"));
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.Equal("after restart", await RoundTripAsync(client, $"fixture/outage/{Guid.NewGuid():N}", "after restart"));
    }

    private MqttClientOptions PlainOptions(string clientId)
    {
        return new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.PlainPort)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId($"{clientId}-{Guid.NewGuid():N}")
            .WithCleanSession()
            .WithTimeout(_timeout)
            .Build();
    }

    private MqttClientOptions TlsOptions(string clientId, X509Certificate2? clientCertificate)
    {
        return new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.TlsPort)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId($"{clientId}-{Guid.NewGuid():N}")
            .WithCleanSession()
            .WithTimeout(_timeout)
            .WithTlsOptions(tls =>
            {
                tls.UseTls()
                    .WithTargetHost(broker.TlsServerName)
                    .WithTrustChain([broker.CaCertificate])
                    .WithRevocationMode(X509RevocationMode.NoCheck);
                if (clientCertificate is not null)
                {
                    tls.WithClientCertificates([clientCertificate]);
                }
            })
            .Build();
    }

    private static async Task<(MqttClientConnectResult? Result, Exception? Error)> TryConnectAsync(MqttClientOptions options)
    {
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(options);
            return (result, null);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }
    }

    private static async Task<string> RoundTripAsync(IMqttClient client, string topic, string payload)
    {
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Topic == topic)
            {
                received.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            }

            return Task.CompletedTask;
        };

        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await client.PublishStringAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);
        return await received.Task.WaitAsync(_timeout);
    }

    private static async Task WaitForAsync(Func<bool> condition, string failureMessage)
    {
        DateTime deadline = DateTime.UtcNow + _timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failureMessage);
            await Task.Delay(50);
        }
    }
}
