using System.Collections.Concurrent;
using System.Globalization;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Mqtt;
using IotDashboard.Tests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace IotDashboard.Tests.Core.Mqtt;

/// <summary>Fast tests against MQTTnet's in-process broker, which lets a test see every PUBLISH and refuse CONNECTs.</summary>
public sealed class MqttEmbeddedServerTests : IAsyncLifetime
{
    private readonly int _port = TestEnvironment.FreeTcpPort();
    private readonly ConcurrentQueue<(string ClientId, string Topic, string Payload)> _published = new();
    private MqttServer _server = null!;
    private int _connectAttempts;

    public MqttConnectReasonCode Answer { get; set; } = MqttConnectReasonCode.Success;

    public async Task InitializeAsync()
    {
        _server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointPort(_port).Build());
        _server.ValidatingConnectionAsync += e =>
        {
            Interlocked.Increment(ref _connectAttempts);
            e.ReasonCode = Answer;
            return Task.CompletedTask;
        };
        _server.InterceptingPublishAsync += e =>
        {
            _published.Enqueue((e.ClientId, e.ApplicationMessage.Topic, e.ApplicationMessage.ConvertPayloadToString() ?? ""));
            return Task.CompletedTask;
        };
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        _server.Dispose();
    }

    [Fact]
    public async Task Gateway_CreatesEachChildWith101_BeforeItsFirstReading()
    {
        await using var host = await MqttTestHost.StartAsync(Settings("Gateway"));
        var pv = await host.CreateDeviceAsync(SolarPvType.TypeId, "PV", TimeSpan.FromMilliseconds(200));
        var grid = await host.CreateDeviceAsync(MainGridType.TypeId, "Grid", TimeSpan.FromMilliseconds(200));

        await WaitAsync(() => new[] { pv, grid }.All(d => _published.Any(p => p.Topic == "s/us/" + d.ExternalId && p.Payload.Contains("201,", StringComparison.Ordinal))));

        var published = _published.ToArray();
        Assert.All(published, p => Assert.Equal("d:gw-embedded", p.ClientId));
        var gatewayLines = published.Where(p => p.Topic == "s/us").SelectMany(p => p.Payload.Split('\n')).ToList();
        Assert.Equal("100,IotDashboard gateway gw-embedded,sim_Gateway", gatewayLines[0]);
        foreach (var device in new[] { pv, grid })
        {
            var created = Array.FindIndex(published, p => p.Topic == "s/us" && p.Payload.Split('\n').Contains(CumulocityEncoder.ChildLine(new MqttDevice(device.Id, device.ExternalId, device.Name, host.Devices.Types.Get(device.TypeId)))));
            var first = Array.FindIndex(published, p => p.Topic == "s/us/" + device.ExternalId);
            Assert.True(created >= 0 && created < first, $"101 for {device.ExternalId} comes before its own lines");
            var childLines = published.Where(p => p.Topic == "s/us/" + device.ExternalId).SelectMany(p => SmartRest.Parse(p.Payload)).Select(f => f[0]).ToList();
            Assert.Equal(["110", "117", "114", "500", "113"], childLines.Take(5));
        }

        Assert.All(published, p => Assert.True(System.Text.Encoding.UTF8.GetByteCount(p.Payload) <= SmartRest.MaxMessageBytes));
    }

    [Fact]
    public async Task NotAuthorised_StopsRetryingQuickly_AndSaysWhy()
    {
        Answer = MqttConnectReasonCode.NotAuthorized;
        var settings = Settings("Gateway");
        settings["Username"] = "t123/device";
        settings["Password"] = "wrong";
        await using var host = await MqttTestHost.StartAsync(settings);

        await WaitAsync(() => host.Mqtt.GetStatus().Details.Any(d => d.State == MqttConnectionState.Refused));
        var attempts = _connectAttempts;
        await Task.Delay(TimeSpan.FromSeconds(3)); // the back-off would have allowed several more attempts by now

        var status = host.Mqtt.GetStatus();
        Assert.Equal(2, attempts);
        Assert.Equal(attempts, _connectAttempts);
        Assert.StartsWith("CONNACK 5: not authorised", status.LastError, StringComparison.Ordinal);
        Assert.Equal(1, status.Refused);
    }

    [Fact]
    public async Task TestConnection_ReportsConnackAndTime()
    {
        await using var host = await MqttTestHost.StartAsync(new Dictionary<string, string?>());
        var options = new MqttOptions { Host = "127.0.0.1", Port = _port, Username = "t123/u", CumulocitySessionMode = CumulocitySessionMode.Gateway };

        var ok = await host.Mqtt.TestConnectionAsync(new MqttSettingsUpdate { Settings = options, NewPassword = "secret" });
        Answer = MqttConnectReasonCode.BadUserNameOrPassword;
        var refused = await host.Mqtt.TestConnectionAsync(new MqttSettingsUpdate { Settings = options, NewPassword = "wrong" });

        Assert.True(ok.Success, ok.Message);
        Assert.Matches(@"^Connected in \d+ ms without TLS as d:iotdashboard-gateway\.$", ok.Message);
        Assert.False(refused.Success);
        Assert.Equal("CONNACK 4: bad user name or password", refused.Message);
    }

    private Dictionary<string, string?> Settings(string sessions) => new()
    {
        ["Enabled"] = "true",
        ["Mode"] = "Cumulocity",
        ["CumulocitySessionMode"] = sessions,
        ["Host"] = "127.0.0.1",
        ["Port"] = _port.ToString(CultureInfo.InvariantCulture),
        ["GatewayId"] = "gw-embedded",
        ["ReconnectMinDelayMs"] = "200",
    };

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the condition.");
            await Task.Delay(50);
        }
    }
}
