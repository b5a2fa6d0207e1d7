using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotDashboard.Bench;

public sealed class MqttBaseline
{
    public required string Broker { get; init; }
    public required string Mode { get; init; }
    public int PayloadBytes { get; init; }
    public long Published { get; set; }
    public long Delivered { get; set; }
    public double PublishedPerSecond { get; set; }
    /// <summary>Messages counted by the subscriber on the broker, per second of the publish loop (plus the tail to deliver).</summary>
    public double DeliveredPerSecond { get; set; }
    public double? CoreDeliveredPerSecond { get; set; }
    public string CoreStatus { get; set; } = "";
}

/// <summary>Counts every message the broker delivers on a topic filter: the figure for "messages delivered".</summary>
public sealed class MqttDeliveryCounter : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private long _count;
    private long _lastTicks;

    private MqttDeliveryCounter(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += _ =>
        {
            Interlocked.Increment(ref _count);
            Interlocked.Exchange(ref _lastTicks, Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        };
    }

    public long Count => Interlocked.Read(ref _count);

    public long LastReceivedTicks => Interlocked.Read(ref _lastTicks);

    public static async Task<MqttDeliveryCounter> StartAsync(string host, int port, string topicFilter, CancellationToken cancellationToken)
    {
        var client = await MqttBench.ConnectAsync(host, port, $"bench-sub-{Environment.ProcessId}", cancellationToken);
        var counter = new MqttDeliveryCounter(client);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topicFilter, MqttQualityOfServiceLevel.AtMostOnce).Build(), cancellationToken);
        return counter;
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

public static class MqttBench
{
    public static async Task<IMqttClient> ConnectAsync(string host, int port, string clientId, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId).WithCleanSession().WithTimeout(TimeSpan.FromSeconds(10)).Build();
        var result = await client.ConnectAsync(options, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"MQTT connect to {host}:{port} refused: {result.ResultCode} {result.ReasonString}");
        }

        return client;
    }

    /// <summary>
    /// The raw MQTTnet publish loop: one connection, QoS 0, messages the size the mode sends (one SmartREST line per
    /// reading in device mode; lines of many devices batched in one message in gateway mode), as fast as it goes.
    /// </summary>
    public static async Task<MqttBaseline> RawPublishAsync(string host, int port, MqttMode mode, TimeSpan duration, CancellationToken cancellationToken)
    {
        var payload = Payload(mode);
        var result = new MqttBaseline { Broker = $"{host}:{port}", Mode = mode.ToString().ToLowerInvariant(), PayloadBytes = payload.Length };
        await using var counter = await MqttDeliveryCounter.StartAsync(host, port, "iotbench/raw/#", cancellationToken);
        using var publisher = await ConnectAsync(host, port, $"bench-pub-{Environment.ProcessId}", cancellationToken);
        var message = new MqttApplicationMessageBuilder().WithTopic("iotbench/raw/s/us").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build();

        var started = Stopwatch.GetTimestamp();
        long published = 0;
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            await publisher.PublishAsync(message, cancellationToken);
            published++;
        }

        var publishSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // Wait for the broker to deliver the tail: until the count stops moving for half a second.
        var last = -1L;
        while (counter.Count != last && counter.Count < published)
        {
            last = counter.Count;
            await Task.Delay(500, cancellationToken);
        }

        var deliverSeconds = Math.Max(publishSeconds, (counter.LastReceivedTicks - started) / (double)Stopwatch.Frequency);
        result.Published = published;
        result.Delivered = counter.Count;
        result.PublishedPerSecond = published / publishSeconds;
        result.DeliveredPerSecond = counter.Count / deliverSeconds;
        await publisher.DisconnectAsync(cancellationToken: cancellationToken);
        return result;
    }

    private static byte[] Payload(MqttMode mode)
    {
        // A Cumulocity SmartREST static-template measurement line for a three-phase reading.
        const string line = "200,c8y_ThreePhaseElectricityMeasurement,P+,3512.4,W,2026-12-04T20:41:47.123Z\n";
        var lines = mode == MqttMode.Gateway ? 100 : 1;
        var text = new StringBuilder();
        for (var i = 0; i < lines; i++)
        {
            text.Append(line);
        }

        return Encoding.UTF8.GetBytes(text.ToString().TrimEnd('\n'));
    }
}
