using System.Collections.Concurrent;
using IotDashboard.Core;
using IotDashboard.Core.Mqtt;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotDashboard.Tests.Core.Mqtt;

/// <summary>The real Core (SQLite in a temp folder, scheduler, pipeline, MQTT) with the given Mqtt settings.</summary>
internal sealed class MqttTestHost : IAsyncDisposable
{
    private readonly IHost _host;

    private MqttTestHost(IHost host, string directory)
    {
        _host = host;
        Directory_ = directory;
    }

    public string Directory_ { get; }

    public IServiceProvider Services => _host.Services;

    public DeviceManager Devices => _host.Services.GetRequiredService<DeviceManager>();

    public MqttService Mqtt => _host.Services.GetRequiredService<MqttService>();

    public IDbContextFactory<IotDbContext> Db => _host.Services.GetRequiredService<IDbContextFactory<IotDbContext>>();

    public static async Task<MqttTestHost> StartAsync(IDictionary<string, string?> mqtt)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"iot-mqtt-host-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = directory, Args = [] });
        var settings = new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Sqlite",
            ["Database:ConnectionString"] = $"Data Source={Path.Combine(directory, "test.db")}",
            ["Simulation:SeedDemo"] = "false",
            ["Mqtt:QueuePath"] = Path.Combine(directory, "queue"),
            ["Mqtt:KeysPath"] = Path.Combine(directory, "keys"),
            ["Mqtt:ReconnectMinDelayMs"] = "500",
            ["Mqtt:ReconnectMaxDelayMs"] = "4000",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in mqtt)
        {
            settings["Mqtt:" + key] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddIotDashboardCore();
        var host = builder.Build();
        await host.StartAsync();
        return new MqttTestHost(host, directory);
    }

    public async Task<DeviceView> CreateDeviceAsync(string type, string name, TimeSpan interval, bool start = true)
    {
        var site = Devices.ListSites() is [var first, ..] ? first.Id : await Devices.CreateSiteAsync("Test site", 52.5, 13.4, 0.3, seed: 7);
        var ids = await Devices.CreateAsync(new CreateDevicesRequest(type, name, interval, site, Start: start, Seed: 11));
        return Devices.Get(ids[0])!;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            _host.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(Directory_, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>A test's own MQTT client on the broker's plain listener that records what arrives and reconnects after an outage.</summary>
internal sealed class MqttTestSubscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly string _host;
    private readonly int _port;
    private readonly string[] _filters;

    private MqttTestSubscriber(string host, int port, string[] filters)
    {
        _host = host;
        _port = port;
        _filters = filters;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Messages.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? ""));
            return Task.CompletedTask;
        };
    }

    public ConcurrentQueue<(string Topic, string Payload)> Messages { get; } = new();

    /// <summary>Every SmartREST line received, with its topic, in arrival order.</summary>
    public IReadOnlyList<(string Topic, string Line)> Lines =>
        [.. Messages.ToArray().SelectMany(m => m.Topic.StartsWith("s/", StringComparison.Ordinal)
            ? SmartRest.Parse(m.Payload).Select(fields => (m.Topic, SmartRest.Line([.. fields])))
            : [(m.Topic, m.Payload)])];

    public static async Task<MqttTestSubscriber> ConnectAsync(string host, int port, params string[] filters)
    {
        var subscriber = new MqttTestSubscriber(host, port, filters);
        await subscriber.ReconnectAsync(TimeSpan.FromSeconds(10));
        return subscriber;
    }

    public async Task ReconnectAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var options = new MqttClientOptionsBuilder().WithTcpServer(_host, _port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
                    .WithClientId("test-subscriber-" + Guid.NewGuid().ToString("N")[..8]).WithCleanSession().WithTimeout(TimeSpan.FromSeconds(2)).Build();
                var result = await _client.ConnectAsync(options);
                Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
                foreach (var filter in _filters)
                {
                    await _client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
                }

                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
    }

    public async Task PublishAsync(string topic, string payload) =>
        await _client.PublishStringAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);

    /// <summary>Waits until <paramref name="condition"/> holds for the lines received so far.</summary>
    public async Task<IReadOnlyList<(string Topic, string Line)>> WaitForAsync(Func<IReadOnlyList<(string Topic, string Line)>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var lines = Lines;
            if (condition(lines))
            {
                return lines;
            }

            if (DateTime.UtcNow > deadline)
            {
                var tail = string.Join("\n", lines.TakeLast(30).Select(l => $"{l.Topic}: {l.Line}"));
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds} s waiting for {what}. Last lines:\n{tail}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
