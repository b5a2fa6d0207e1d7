using System.Diagnostics;
using System.Globalization;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Simulation;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace IotDashboard.Tests.Core.Mqtt;

/// <summary>
/// Publish rates against the local Mosquitto for the closing note: a fleet at 100 ms per device, measured as
/// readings published per second once the sessions are up. Asserts only that publishing keeps flowing; the
/// numbers are written to the test output (run with <c>--logger "console;verbosity=detailed"</c>).
/// </summary>
[Collection("mosquitto")]
public sealed class MqttPublishRateTests(MosquittoFixture broker, ITestOutputHelper output)
{
    [Theory]
    [InlineData("PerDevice", 200)]
    [InlineData("Gateway", 200)]
    [InlineData("Gateway", 1000)]
    public async Task PublishRate_KeepsUpWithTheFleet(string sessions, int devices)
    {
        await using var host = await MqttTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Enabled"] = "true",
            ["Mode"] = "Cumulocity",
            ["CumulocitySessionMode"] = sessions,
            ["Host"] = broker.Host,
            ["Port"] = broker.PlainPort.ToString(CultureInfo.InvariantCulture),
        });
        var site = await host.Devices.CreateSiteAsync("Rate", 52.5, 13.4, 0.3, seed: 1);
        await host.Devices.CreateAsync(new CreateDevicesRequest(SolarPvType.TypeId, "PV", TimeSpan.FromMilliseconds(100), site, Count: devices, Seed: 1));
        var metrics = GetMetrics(host);

        await WaitAsync(() => host.Mqtt.GetStatus().Connected == (sessions == "Gateway" ? 1 : devices), TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var published0 = host.Mqtt.GetStatus().Published;
        var generated0 = metrics.Generated;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(6));
        var status = host.Mqtt.GetStatus();
        var seconds = clock.Elapsed.TotalSeconds;
        var publishedRate = (status.Published - published0) / seconds;
        var generatedRate = (metrics.Generated - generated0) / seconds;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{sessions}, {devices} PV devices at 100 ms: generated {generatedRate:0} readings/s, published {publishedRate:0} readings/s over {status.Connections} connection(s), queued {status.Queued}, dropped {status.Dropped}"));
        Assert.True(publishedRate > 100, $"published {publishedRate:0}/s");
        Assert.Equal(0, status.Dropped);
    }

    private static PipelineMetrics GetMetrics(MqttTestHost host) => host.Services.GetRequiredService<PipelineMetrics>();

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "Timed out waiting for the sessions.");
            await Task.Delay(100);
        }
    }
}
