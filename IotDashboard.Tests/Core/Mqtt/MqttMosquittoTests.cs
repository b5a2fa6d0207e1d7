using System.Globalization;
using System.Text.Json;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Mqtt;
using IotDashboard.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace IotDashboard.Tests.Core.Mqtt;

/// <summary>Against a real Mosquitto: mutual TLS, the SmartREST wire format, operations, an outage, generic JSON.</summary>
[Collection("mosquitto")]
public sealed class MqttMosquittoTests(MosquittoFixture broker)
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(20);

    private Dictionary<string, string?> Plain(string mode = "Cumulocity", string sessions = "PerDevice") => new()
    {
        ["Enabled"] = "true",
        ["Mode"] = mode,
        ["CumulocitySessionMode"] = sessions,
        ["Host"] = broker.Host,
        ["Port"] = broker.PlainPort.ToString(CultureInfo.InvariantCulture),
    };

    private MqttOptions Tls(string? certificatePath = null, string? keyPath = null, bool withCa = true) => new()
    {
        Enabled = true,
        Host = broker.TlsServerName,
        Port = broker.TlsPort,
        UseTls = true,
        CaCertificatePath = withCa ? broker.CaCertificatePath : null,
        ClientCertificatePath = certificatePath,
        ClientKeyPath = keyPath,
        CumulocitySessionMode = CumulocitySessionMode.Gateway,
        GatewayId = "gw-test",
    };

    [Fact]
    public async Task TestConnection_WithClientCertificate_ConnectsOverMutualTls()
    {
        var certificate = broker.IssueClientCertificate("gw-test");
        await using var host = await MqttTestHost.StartAsync(new Dictionary<string, string?>());

        var result = await host.Mqtt.TestConnectionAsync(new MqttSettingsUpdate { Settings = Tls(certificate.CertificatePemPath, certificate.PrivateKeyPemPath) });

        Assert.True(result.Success, result.Message);
        Assert.Matches(@"^Connected in \d+ ms over TLS with client certificate gw-test as d:gw-test\.$", result.Message);
    }

    [Fact]
    public async Task TestConnection_WithUploadedPemCertificate_Connects()
    {
        var certificate = broker.IssueClientCertificate("gw-test");
        await using var host = await MqttTestHost.StartAsync(new Dictionary<string, string?>());

        var result = await host.Mqtt.TestConnectionAsync(new MqttSettingsUpdate
        {
            Settings = Tls(),
            CaCertificatePem = await File.ReadAllTextAsync(broker.CaCertificatePath),
            ClientCertificatePem = await File.ReadAllTextAsync(certificate.CertificatePemPath),
            ClientKeyPem = await File.ReadAllTextAsync(certificate.PrivateKeyPemPath),
        });

        Assert.True(result.Success, result.Message);
    }

    [Fact]
    public async Task TestConnection_WithoutClientCertificate_IsRefusedWithAClearError()
    {
        await using var host = await MqttTestHost.StartAsync(new Dictionary<string, string?>());

        var result = await host.Mqtt.TestConnectionAsync(new MqttSettingsUpdate { Settings = Tls() });

        Assert.False(result.Success);
        Assert.True(result.Message.Contains("requires a client certificate", StringComparison.Ordinal), result.Message);
    }

    [Fact]
    public async Task TestConnection_WithoutTheBrokersCa_SaysCertificateNotTrusted()
    {
        var certificate = broker.IssueClientCertificate("gw-test");
        await using var host = await MqttTestHost.StartAsync(new Dictionary<string, string?>());

        var result = await host.Mqtt.TestConnectionAsync(new MqttSettingsUpdate { Settings = Tls(certificate.CertificatePemPath, certificate.PrivateKeyPemPath, withCa: false) });

        Assert.False(result.Success);
        Assert.StartsWith("TLS handshake failed: certificate not trusted", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PerDeviceSession_OverMutualTls_SendsStartupThenMeasurementsOnSus()
    {
        await using var subscriber = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.PlainPort, "s/us", "s/us/#");
        await using var host = await MqttTestHost.StartAsync(new Dictionary<string, string?>());
        var device = await host.CreateDeviceAsync(SolarPvType.TypeId, "Roof, south", TimeSpan.FromMilliseconds(500));

        // The device's own certificate, CN = its external id, in the per-device folder.
        var folder = Path.Combine(host.Directory_, "device-certs");
        Directory.CreateDirectory(folder);
        var certificate = broker.IssueClientCertificate(device.ExternalId);
        File.Copy(certificate.CertificatePemPath, Path.Combine(folder, device.ExternalId + ".crt"));
        File.Copy(certificate.PrivateKeyPemPath, Path.Combine(folder, device.ExternalId + ".key"));
        var settings = Tls();
        settings.CumulocitySessionMode = CumulocitySessionMode.PerDevice;
        settings.DeviceCertificateFolder = folder;

        // Applied without a restart.
        Assert.Empty(await host.Mqtt.SaveSettingsAsync(new MqttSettingsUpdate { Settings = settings }));

        var lines = await subscriber.WaitForAsync(l => l.Count(x => x.Line.StartsWith("201,", StringComparison.Ordinal)) >= 2, _timeout, "two measurements");
        var sequence = lines.Where(l => l.Topic == "s/us").Select(l => l.Line).ToList();
        Assert.Equal(
            [
                "100,\"Roof, south\",sim_SolarPanel",
                $"110,{device.ExternalId},Solar PV simulator,1.0",
                "117,10",
                "114,c8y_Restart,c8y_Command,c8y_Configuration",
                "500",
            ],
            sequence.Take(5));
        Assert.StartsWith("113,\"interval=0.5\n", sequence[5], StringComparison.Ordinal);
        var measurement = SmartRest.Parse(sequence.First(l => l.StartsWith("201,", StringComparison.Ordinal)))[0];
        Assert.Equal("sim_SolarPanel", measurement[1]);
        Assert.True(DateTimeOffset.TryParse(measurement[2], CultureInfo.InvariantCulture, out _));
        Assert.Equal(["c8y_SinglePhaseElectricityMeasurement", "P-"], measurement.Skip(3).Take(2));
        Assert.Contains(broker.RecentLog.Split('\n'), l => l.Contains($"d:{device.ExternalId}", StringComparison.Ordinal) && l.Contains(device.ExternalId, StringComparison.Ordinal));
        var status = host.Mqtt.GetStatus();
        Assert.Equal(1, status.Connected);
        Assert.True(status.Published >= 2);
    }

    [Fact]
    public async Task Restart510_IsAnswered501Then503_AndTheDeviceReallyRestarts()
    {
        await using var subscriber = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.PlainPort, "s/us");
        await using var host = await MqttTestHost.StartAsync(Plain());
        var device = await host.CreateDeviceAsync(HeatPumpType.TypeId, "Heat pump", TimeSpan.FromMilliseconds(200));
        await subscriber.WaitForAsync(l => l.Any(x => x.Line.StartsWith("201,", StringComparison.Ordinal)), _timeout, "a first measurement");

        await subscriber.PublishAsync("s/ds", $"510,{device.ExternalId}");

        var lines = await subscriber.WaitForAsync(l => l.Any(x => x.Line == "503,c8y_Restart"), _timeout, "503");
        var texts = lines.Select(l => l.Line).ToList();
        Assert.True(texts.IndexOf("501,c8y_Restart") < texts.IndexOf("503,c8y_Restart"));
        var stopped = texts.FindIndex(l => l.StartsWith("400,sim_DeviceStopped,Device stopped,", StringComparison.Ordinal));
        var started = texts.FindIndex(l => l.StartsWith("400,sim_DeviceStarted,Device started,", StringComparison.Ordinal));
        Assert.True(stopped >= 0 && started > stopped, "a stopped then a started event");

        // Readings stop during the restart and continue after it.
        var stopTime = EventTime(texts[stopped]);
        var startTime = EventTime(texts[started]);
        await subscriber.WaitForAsync(l => l.Any(x => x.Line.StartsWith("201,", StringComparison.Ordinal) && ReadingTime(x.Line) > startTime), _timeout, "readings after the restart");
        var times = subscriber.Lines.Where(x => x.Line.StartsWith("201,", StringComparison.Ordinal)).Select(x => ReadingTime(x.Line)).ToList();
        Assert.DoesNotContain(times, t => t > stopTime.AddMilliseconds(250) && t < startTime);
        Assert.True(host.Devices.Get(device.Id)!.Running);
    }

    [Fact]
    public async Task Command511_Unknown_IsAnswered502WithAReason_AndSetIntervalChangesTheDevice()
    {
        await using var subscriber = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.PlainPort, "s/us");
        await using var host = await MqttTestHost.StartAsync(Plain());
        var device = await host.CreateDeviceAsync(SolarPvType.TypeId, "PV", TimeSpan.FromSeconds(1));
        var other = await host.CreateDeviceAsync(SolarPvType.TypeId, "Other PV", TimeSpan.FromSeconds(1));
        await subscriber.WaitForAsync(l => l.Count(x => x.Line == "500") >= 2, _timeout, "both start-ups");

        await subscriber.PublishAsync("s/ds", $"511,{device.ExternalId},make coffee");
        await subscriber.PublishAsync("s/ds", $"511,{device.ExternalId},set interval 3");

        var lines = await subscriber.WaitForAsync(l => l.Any(x => x.Line.StartsWith("503,c8y_Command", StringComparison.Ordinal)), _timeout, "503 for the second command");
        var answers = lines.Select(l => l.Line).Where(l => l.StartsWith("50", StringComparison.Ordinal) && l.Contains("c8y_Command", StringComparison.Ordinal)).ToList();
        Assert.Equal("501,c8y_Command", answers[0]);
        Assert.StartsWith("502,c8y_Command,Unknown command 'make coffee'. Commands: status | start | stop", answers[1], StringComparison.Ordinal);
        Assert.Equal("501,c8y_Command", answers[2]);
        Assert.Equal("503,c8y_Command,interval=3 s", answers[3]);
        Assert.Equal(4, answers.Count); // the other device ignored operations that were not for it
        Assert.Equal(TimeSpan.FromSeconds(3), host.Devices.Get(device.Id)!.Interval);
        Assert.Equal(TimeSpan.FromSeconds(1), host.Devices.Get(other.Id)!.Interval);
    }

    [Fact]
    public async Task Configuration513_IsAppliedAndPersisted()
    {
        await using var subscriber = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.PlainPort, "s/us/#");
        await using var host = await MqttTestHost.StartAsync(Plain(sessions: "Gateway"));
        var device = await host.CreateDeviceAsync(SolarPvType.TypeId, "PV", TimeSpan.FromSeconds(1));
        await subscriber.WaitForAsync(l => l.Any(x => x.Topic == "s/us/" + device.ExternalId && x.Line == "500"), _timeout, "the child's start-up");

        await subscriber.PublishAsync("s/ds", $"513,{device.ExternalId},\"peak_power=4500\ninterval=2\"");
        await subscriber.PublishAsync("s/ds", $"513,{device.ExternalId},\"peak_power=-5\"");

        var lines = await subscriber.WaitForAsync(l => l.Any(x => x.Line.StartsWith("502,c8y_Configuration", StringComparison.Ordinal)), _timeout, "502 for the invalid configuration");
        var child = lines.Where(l => l.Topic == "s/us/" + device.ExternalId).Select(l => l.Line).ToList();
        Assert.Contains("503,c8y_Configuration", child);
        Assert.Contains(child, l => l.StartsWith("113,\"interval=2\n", StringComparison.Ordinal) && l.Contains("peak_power=4500", StringComparison.Ordinal));
        Assert.Contains(child, l => l.StartsWith("502,c8y_Configuration,Peak power must be between 100 and 1000000 W (got -5).", StringComparison.Ordinal));
        await using var context = await host.Db.CreateDbContextAsync();
        var stored = await context.Devices.AsNoTracking().SingleAsync(d => d.Id == device.Id);
        Assert.Contains("\"peak_power\":4500", stored.ParametersJson, StringComparison.Ordinal);
        Assert.Equal(2000, stored.IntervalMs);
    }

    [Fact]
    public async Task Outage_EveryReadingGeneratedWhileTheBrokerIsDown_ArrivesOnceInOrderWithItsOriginalTime()
    {
        await using var subscriber = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.PlainPort, "s/us/#");
        await using var host = await MqttTestHost.StartAsync(Plain(sessions: "Gateway"));
        var devices = new[]
        {
            await host.CreateDeviceAsync(SolarPvType.TypeId, "PV", TimeSpan.FromMilliseconds(250)),
            await host.CreateDeviceAsync(HeatPumpType.TypeId, "HP", TimeSpan.FromMilliseconds(250)),
            await host.CreateDeviceAsync(MainGridType.TypeId, "Grid", TimeSpan.FromMilliseconds(250)),
        };
        await subscriber.WaitForAsync(l => devices.All(d => l.Any(x => x.Topic == "s/us/" + d.ExternalId && x.Line.StartsWith("201,", StringComparison.Ordinal))), _timeout, "readings of every device");

        var stoppedAt = DateTimeOffset.UtcNow;
        await broker.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(10));
        var restartedAt = DateTimeOffset.UtcNow;
        await broker.StartAsync();
        await subscriber.ReconnectAsync(TimeSpan.FromSeconds(10)); // before the gateway's back-off lets it in again

        await subscriber.WaitForAsync(
            l => devices.All(d => l.Any(x => x.Topic == "s/us/" + d.ExternalId && x.Line.StartsWith("201,", StringComparison.Ordinal) && ReadingTime(x.Line) > restartedAt.AddSeconds(2))),
            TimeSpan.FromSeconds(40), "readings after the outage");
        var status = host.Mqtt.GetStatus();

        await using var context = await host.Db.CreateDbContextAsync();
        foreach (var device in devices)
        {
            var received = subscriber.Lines.Where(x => x.Topic == "s/us/" + device.ExternalId && x.Line.StartsWith("201,", StringComparison.Ordinal))
                .Select(x => ReadingTime(x.Line)).ToList();
            var from = stoppedAt.AddSeconds(1);
            var to = restartedAt;
            var generated = await context.Measurements.AsNoTracking().Where(m => m.DeviceId == device.Id && m.Timestamp > from && m.Timestamp < to)
                .OrderBy(m => m.Timestamp).Select(m => m.Timestamp).ToListAsync();
            var duringOutage = received.Where(t => t > from && t < to).ToList();

            // About 36 are due in the window; a loaded machine skips some ticks (never generated, so not owed).
            Assert.True(generated.Count >= 10, $"{device.Name}: only {generated.Count} readings generated during the outage");
            Assert.Equal(generated, duringOutage); // every one, once, with its original time
            Assert.Equal(received.Order(), received); // in order overall
        }

        Assert.Equal(0, status.Dropped);
    }

    [Fact]
    public async Task GenericMode_PublishesJsonOnTheTopicTemplate()
    {
        await using var subscriber = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.PlainPort, "iot/#");
        var settings = Plain(mode: "Generic");
        settings["Qos"] = "0";
        await using var host = await MqttTestHost.StartAsync(settings);
        var device = await host.CreateDeviceAsync(MainGridType.TypeId, "Grid", TimeSpan.FromMilliseconds(300));

        var lines = await subscriber.WaitForAsync(l => l.Count >= 2, _timeout, "two JSON readings");

        Assert.All(lines, l => Assert.Equal($"iot/grid/{device.ExternalId}/measurements", l.Topic));
        using var json = JsonDocument.Parse(lines[0].Line);
        Assert.Equal(device.ExternalId, json.RootElement.GetProperty("device").GetString());
        Assert.Equal("grid", json.RootElement.GetProperty("type").GetString());
        Assert.True(json.RootElement.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal("Hz", json.RootElement.GetProperty("values").GetProperty("frequency").GetProperty("unit").GetString());
        Assert.Equal(17, json.RootElement.GetProperty("values").EnumerateObject().Count());
    }

    private static DateTimeOffset ReadingTime(string line) =>
        DateTimeOffset.Parse(SmartRest.Parse(line)[0][2], CultureInfo.InvariantCulture);

    private static DateTimeOffset EventTime(string line) =>
        DateTimeOffset.Parse(SmartRest.Parse(line)[0][3], CultureInfo.InvariantCulture);
}
