using System.Buffers;
using System.Diagnostics;
using System.Text;
using IotDashboard.Core;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Devices.Types;
using IotDashboard.Core.Mqtt;
using IotDashboard.Core.Simulation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using CoreMqttMode = IotDashboard.Core.Mqtt.MqttMode;

namespace IotDashboard.Bench;

/// <summary>One way of publishing, measured at the broker: what a subscriber received, per second.</summary>
public sealed class MqttThroughput
{
    public required string Name { get; init; }
    public string Qos { get; init; } = "1";
    public double Seconds { get; set; }
    public long Messages { get; set; }
    public long Lines { get; set; }
    public double MessagesPerSecond { get; set; }
    /// <summary>SmartREST <c>201</c> lines (one per reading) per second; for the QoS 0 ceiling: lines of payload.</summary>
    public double LinesPerSecond { get; set; }
    public double LinesPerMessage => Messages > 0 ? Lines / (double)Messages : 0;
    public double? ProcessCores { get; set; }
    public string Note { get; set; } = "";
}

public sealed class MqttBaseline
{
    public required string Broker { get; init; }
    public required string Mode { get; init; }
    public int Devices { get; set; }
    /// <summary>Raw MQTTnet, QoS 0, 100 lines per message on one topic: what the connection carries at most.</summary>
    public MqttThroughput? RawCeiling { get; set; }
    /// <summary>Raw MQTTnet, QoS 1 pipelined, the same messages the Core sends at 1 Hz: one reading's line per message to its child topic.</summary>
    public MqttThroughput? RawPerReading { get; set; }
    /// <summary>The Core's MqttService (gateway session, disk queue, SmartREST encoder) fed readings as fast as it takes them.</summary>
    public MqttThroughput? Core { get; set; }
    public double CoreToRawLines => RawPerReading is { LinesPerSecond: > 0 } r && Core is { } c ? c.LinesPerSecond / r.LinesPerSecond : 0;
    public double CoreToRawMessages => RawPerReading is { MessagesPerSecond: > 0 } r && Core is { } c ? c.MessagesPerSecond / r.MessagesPerSecond : 0;
    public string CoreStatus { get; set; } = "";
}

/// <summary>
/// Counts what the broker delivers on topic filters: messages, and SmartREST measurement lines (<c>201,…</c>, one per
/// reading) in them. Subscribed at QoS 0 so the broker's per-client in-flight limit does not throttle the count.
/// </summary>
public sealed class MqttDeliveryCounter : IDeliveryCounter
{
    private static readonly byte[] _measurement = "201,"u8.ToArray();
    private readonly IMqttClient _client;
    private long _messages;
    private long _lines;
    private long _lastTicks;

    private long _disconnects;
    private volatile bool _disposing;

    private MqttDeliveryCounter(IMqttClient client)
    {
        _client = client;
        _client.DisconnectedAsync += e =>
        {
            if (_disposing)
            {
                return Task.CompletedTask;
            }

            // A subscriber that lost its connection undercounts: said in the verdict, never silently.
            Interlocked.Increment(ref _disconnects);
            Console.Error.WriteLine($"[mqtt] the counting subscriber lost its connection: {e.Reason} {e.Exception?.Message}");
            return Task.CompletedTask;
        };
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var payload = e.ApplicationMessage.Payload;
            Interlocked.Add(ref _lines, CountLines(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray()));
            Interlocked.Increment(ref _messages);
            Interlocked.Exchange(ref _lastTicks, Stopwatch.GetTimestamp());
            return Task.CompletedTask;
        };
    }

    /// <summary>Times the subscriber's connection dropped (its figures are then too low).</summary>
    public long Disconnects => Interlocked.Read(ref _disconnects);

    /// <summary>Messages received.</summary>
    public long Count => Interlocked.Read(ref _messages);

    /// <summary><c>201</c> lines received (every line when counting <see cref="CountAllLines"/>).</summary>
    public long Lines => Interlocked.Read(ref _lines);

    public bool CountAllLines { get; init; }

    public long LastReceivedTicks => Interlocked.Read(ref _lastTicks);

    /// <summary>
    /// A counter for <paramref name="topicFilters"/>: Mosquitto's own <c>mosquitto_sub</c> in a separate process when it
    /// is installed (so the count does not compete for this process's CPU: an in-process subscriber fell behind the
    /// broker under load and undercounted), else an MQTTnet subscriber in this process.
    /// </summary>
    public static async Task<IDeliveryCounter> StartAsync(string host, int port, IReadOnlyList<string> topicFilters, CancellationToken cancellationToken)
    {
        if (ExternalDeliveryCounter.Available)
        {
            return await ExternalDeliveryCounter.StartAsync(host, port, topicFilters, cancellationToken);
        }

        return await StartInProcessAsync(host, port, topicFilters, cancellationToken);
    }

    public static async Task<MqttDeliveryCounter> StartInProcessAsync(string host, int port, IReadOnlyList<string> topicFilters, CancellationToken cancellationToken, bool countAllLines = false)
    {
        var client = await MqttBench.ConnectAsync(host, port, $"bench-sub-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40], cancellationToken);
        var counter = new MqttDeliveryCounter(client) { CountAllLines = countAllLines };
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var filter in topicFilters)
        {
            subscribe.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtMostOnce);
        }

        await client.SubscribeAsync(subscribe.Build(), cancellationToken);
        return counter;
    }

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }

    private long CountLines(ReadOnlySpan<byte> payload)
    {
        long lines = 0;
        var rest = payload;
        while (true)
        {
            if (CountAllLines ? rest.Length > 0 : rest.StartsWith(_measurement))
            {
                lines++;
            }

            var next = rest.IndexOf((byte)'\n');
            if (next < 0)
            {
                return lines;
            }

            rest = rest[(next + 1)..];
        }
    }
}

/// <summary>What a subscriber on the broker received.</summary>
public interface IDeliveryCounter : IAsyncDisposable
{
    /// <summary>Messages received.</summary>
    long Count { get; }

    /// <summary>SmartREST <c>201</c> lines received.</summary>
    long Lines { get; }

    long LastReceivedTicks { get; }

    /// <summary>Times the subscriber's connection dropped (its figures are then too low).</summary>
    long Disconnects { get; }
}

/// <summary><c>mosquitto_sub</c> printing <c>#&lt;payload&gt;</c> per message; lines counted from its output.</summary>
public sealed class ExternalDeliveryCounter : IDeliveryCounter
{
    private const string Program = "/usr/bin/mosquitto_sub";
    private readonly Process _process;
    private readonly Task _reader;
    private long _messages;
    private long _lines;
    private long _lastTicks;
    private long _disconnects;
    private volatile bool _disposing;

    private ExternalDeliveryCounter(Process process)
    {
        _process = process;
        _reader = Task.Run(ReadAsync);
    }

    public static bool Available => File.Exists(Program) && Environment.GetEnvironmentVariable("BENCH_INPROCESS_SUBSCRIBER") is null;

    public long Count => Interlocked.Read(ref _messages);

    public long Lines => Interlocked.Read(ref _lines);

    public long LastReceivedTicks => Interlocked.Read(ref _lastTicks);

    public long Disconnects => Interlocked.Read(ref _disconnects);

    public static async Task<ExternalDeliveryCounter> StartAsync(string host, int port, IReadOnlyList<string> topicFilters, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(Program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-h", host, "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-q", "0", "-k", "60", "-F", "#%p", "-i", $"bench-sub-{Guid.NewGuid():N}"[..30] })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var filter in topicFilters)
        {
            info.ArgumentList.Add("-t");
            info.ArgumentList.Add(filter);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("mosquitto_sub did not start.");
        var counter = new ExternalDeliveryCounter(process);
        await Task.Delay(700, cancellationToken); // connected and subscribed (it has no "ready" signal)
        if (process.HasExited)
        {
            throw new InvalidOperationException($"mosquitto_sub exited: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        }

        return counter;
    }

    public async ValueTask DisposeAsync()
    {
        _disposing = true;
        try
        {
            _process.Kill(); // our own child, by its handle
        }
        catch (InvalidOperationException)
        {
        }

        await _process.WaitForExitAsync();
        await _reader;
        _process.Dispose();
    }

    private async Task ReadAsync()
    {
        var stream = _process.StandardOutput.BaseStream;
        var buffer = new byte[1 << 16];
        var atLineStart = true;
        var head = new byte[5];
        var headLength = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            long messages = 0, lines = 0;
            for (var i = 0; i < read; i++)
            {
                var b = buffer[i];
                if (b == (byte)'\n')
                {
                    atLineStart = true;
                    headLength = 0;
                    continue;
                }

                if (atLineStart && headLength < 5)
                {
                    head[headLength++] = b;
                    if (headLength == 1 && b == (byte)'#')
                    {
                        messages++;
                        headLength = 0; // the payload starts after the marker
                        atLineStart = true;
                        continue;
                    }

                    if (headLength == 4)
                    {
                        if (head[0] == (byte)'2' && head[1] == (byte)'0' && head[2] == (byte)'1' && head[3] == (byte)',')
                        {
                            lines++;
                        }

                        atLineStart = false;
                    }
                }
            }

            Interlocked.Add(ref _messages, messages);
            Interlocked.Add(ref _lines, lines);
            Interlocked.Exchange(ref _lastTicks, Stopwatch.GetTimestamp());
        }

        if (!_disposing)
        {
            Interlocked.Increment(ref _disconnects);
            Console.Error.WriteLine("[mqtt] the counting subscriber (mosquitto_sub) exited: MQTT figures undercount");
        }
    }
}

public static class MqttBench
{
    public static async Task<IMqttClient> ConnectAsync(string host, int port, string clientId, CancellationToken cancellationToken)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer(host, port).WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId).WithCleanSession().WithTimeout(TimeSpan.FromSeconds(30)).WithKeepAlivePeriod(TimeSpan.FromSeconds(60)).Build();
        var result = await client.ConnectAsync(options, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"MQTT connect to {host}:{port} refused: {result.ResultCode} {result.ReasonString}");
        }

        return client;
    }

    /// <summary>The Core's Mqtt options for a bench host: Cumulocity, the given session mode, QoS 1, a fresh queue folder.</summary>
    public static Dictionary<string, string?> CoreSettings(string host, int port, MqttMode mode, string queueFolder, string gatewayId) => new()
    {
        ["Mqtt:Enabled"] = "true",
        ["Mqtt:Mode"] = nameof(CoreMqttMode.Cumulocity),
        ["Mqtt:CumulocitySessionMode"] = mode == MqttMode.Gateway ? nameof(CumulocitySessionMode.Gateway) : nameof(CumulocitySessionMode.PerDevice),
        ["Mqtt:Host"] = host,
        ["Mqtt:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mqtt:Qos"] = "1",
        ["Mqtt:QueuePath"] = queueFolder,
        ["Mqtt:KeysPath"] = Path.Combine(Path.GetDirectoryName(queueFolder)!, "keys"),
        ["Mqtt:GatewayId"] = gatewayId,
    };

    /// <summary>Topic filters that see every SmartREST line a device or a gateway's children send.</summary>
    public static readonly string[] SmartRestFilters = [SmartRest.UpTopic, SmartRest.UpTopic + "/+"];

    /// <summary>
    /// The transport ceiling: one connection, QoS 0, 100 SmartREST lines per message (7.8 KB) to one topic, as fast
    /// as it goes. Not what a gateway can send at 1 Hz (a child's lines share a message only with its own lines).
    /// </summary>
    public static async Task<MqttThroughput> RawCeilingAsync(string host, int port, TimeSpan duration, CancellationToken cancellationToken)
    {
        const string line = "201,c8y_ThreePhaseElectricityMeasurement,2026-12-04T20:41:47.123Z,c8y_ThreePhaseElectricityMeasurement,P+,3512.4,W";
        var payload = Encoding.UTF8.GetBytes(string.Join('\n', Enumerable.Repeat(line, 100)));
        await using var counter = await MqttDeliveryCounter.StartInProcessAsync(host, port, ["iotbench/ceiling/#"], cancellationToken);
        using var publisher = await ConnectAsync(host, port, $"bench-pub-{Environment.ProcessId}", cancellationToken);
        var message = new MqttApplicationMessageBuilder().WithTopic("iotbench/ceiling/s/us").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce).Build();
        var started = Stopwatch.GetTimestamp();
        long published = 0;
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            await publisher.PublishAsync(message, cancellationToken);
            published++;
        }

        var seconds = await WaitForTailAsync(counter, published, started, cancellationToken);
        await publisher.DisconnectAsync(cancellationToken: cancellationToken);
        return new MqttThroughput
        {
            Name = "raw MQTTnet, QoS 0, 100 lines/message, 1 topic",
            Qos = "0",
            Seconds = seconds,
            Messages = counter.Count,
            Lines = counter.Lines,
            MessagesPerSecond = counter.Count / seconds,
            LinesPerSecond = counter.Lines / seconds,
            Note = $"{payload.Length:N0} B/message; {counter.Count:N0} of {published:N0} delivered",
        };
    }

    /// <summary>
    /// The raw loop for the gateway path, like with like: the same readings encoded with the Core's SmartREST encoder
    /// (prepared before the clock starts), one reading per message to its child topic <c>s/us/&lt;id&gt;</c>, QoS 1,
    /// up to <paramref name="window"/> publishes in flight on one connection.
    /// </summary>
    public static async Task<MqttThroughput> RawPerReadingAsync(string host, int port, IReadOnlyList<(string Topic, string Payload)> messages, TimeSpan duration, int window, CancellationToken cancellationToken)
    {
        var prepared = messages.Select(m => new MqttApplicationMessageBuilder().WithTopic("iotbench/raw/" + m.Topic).WithPayload(m.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build()).ToArray();
        await using var counter = await MqttDeliveryCounter.StartAsync(host, port, ["iotbench/raw/#"], cancellationToken);
        using var publisher = await ConnectAsync(host, port, $"bench-raw-{Environment.ProcessId}", cancellationToken);
        var inFlight = new Queue<Task<MqttClientPublishResult>>(window);
        var started = Stopwatch.GetTimestamp();
        long published = 0;
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            inFlight.Enqueue(publisher.PublishAsync(prepared[published % prepared.Length], cancellationToken));
            published++;
            if (inFlight.Count >= window)
            {
                await inFlight.Dequeue();
            }
        }

        while (inFlight.Count > 0)
        {
            await inFlight.Dequeue();
        }

        var seconds = await WaitForTailAsync(counter, published, started, cancellationToken);
        await publisher.DisconnectAsync(cancellationToken: cancellationToken);
        return new MqttThroughput
        {
            Name = $"raw MQTTnet, QoS 1, 1 reading/message, {window} in flight",
            Seconds = seconds,
            Messages = counter.Count,
            Lines = counter.Lines,
            MessagesPerSecond = counter.Count / seconds,
            LinesPerSecond = counter.Lines / seconds,
            Note = $"{counter.Count:N0} of {published:N0} delivered",
        };
    }

    /// <summary>
    /// The Core gateway path at saturation: a host with <c>AddIotDashboardCore()</c> and the MQTT sink in gateway mode,
    /// <paramref name="devices"/> devices created (stopped) through <see cref="DeviceManager"/>, then
    /// <see cref="MqttService.WriteAsync"/> fed the same readings in pump-sized batches as fast as it takes them (kept
    /// below the disk queue's capacity, so nothing is dropped). Counted at the broker after a 3 s ramp.
    /// </summary>
    public static async Task<(MqttThroughput Core, List<(string Topic, string Payload)> Messages)> CoreGatewayAsync(
        BenchEnvironment environment, string host, int port, int devices, TimeSpan duration, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(environment.WorkDirectory, "mqtt-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = environment.WorkDirectory, EnvironmentName = Environments.Production });
        var settings = CoreSettings(host, port, MqttMode.Gateway, Path.Combine(folder, "queue"), "bench-gw-sat-" + Path.GetFileName(folder));
        settings["Database:Provider"] = "Sqlite";
        settings["Database:ConnectionString"] = environment.NewSqliteConnectionString("mqtt-sat");
        settings["Simulation:SeedDemo"] = "false";
        settings["Simulation:ResumeOnStart"] = "false";
        settings["Storage:RetentionDays"] = "0";
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error); // keys of a throwaway host
        builder.AddIotDashboardCore();
        builder.Services.RemoveAll<IMeasurementSink>();
        builder.Services.AddSingleton<IMeasurementSink>(sp => sp.GetRequiredService<MqttService>());
        using var app = builder.Build();
        await using var counter = await MqttDeliveryCounter.StartAsync(host, port, SmartRestFilters, cancellationToken);
        await app.StartAsync(cancellationToken);
        var manager = app.Services.GetRequiredService<DeviceManager>();
        var mqtt = app.Services.GetRequiredService<MqttService>();

        // Devices of the three types; readings from the real models, devices interleaved tick by tick.
        var typeIds = new[] { SolarPvType.TypeId, HeatPumpType.TypeId, MainGridType.TypeId };
        var perType = (devices + 2) / 3;
        var idsByType = new List<int>[3];
        for (var t = 0; t < 3; t++)
        {
            idsByType[t] = [];
            for (var done = 0; done < perType; done += DeviceManager.MaxBulkCount)
            {
                idsByType[t].AddRange(await manager.CreateAsync(
                    new CreateDevicesRequest(typeIds[t], $"Sat {typeIds[t]} {done}", TimeSpan.FromSeconds(1), Count: Math.Min(DeviceManager.MaxBulkCount, perType - done), Start: false, Seed: 7 + t * 1_000_000 + done),
                    cancellationToken));
            }
        }

        var start = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 3600);
        var generated = BenchRows.Generate(devices, Math.Max(devices * 20, 200_000), start, TimeSpan.FromSeconds(1));
        var readings = generated.Select(m => new Measurement
        {
            DeviceId = idsByType[(m.DeviceId - 1) % 3][(m.DeviceId - 1) / 3],
            DeviceType = m.DeviceType,
            Timestamp = m.Timestamp,
            Values = m.Values,
        }).ToArray();
        var types = DeviceTypeRegistry.CreateDefault();
        var externalIds = manager.List().ToDictionary(v => v.Id, v => v.ExternalId);
        var messages = readings.Take(100_000).Select(m => (SmartRest.ChildTopic(externalIds[m.DeviceId]), string.Join('\n', CumulocityEncoder.MeasurementLines(types.Get(m.DeviceType), m)))).ToList();

        // Session up and every child registered before the clock starts.
        var deadline = Stopwatch.StartNew();
        while ((mqtt.GetStatus() is var s) && (s.Connected < 1 || s.Queued > 0) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100, cancellationToken);
        }

        await Task.Delay(1000, cancellationToken);
        var ramp = TimeSpan.FromSeconds(3);
        var total = ramp + duration;
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long lines0 = 0, messages0 = 0;
        TimeSpan measuredFrom = TimeSpan.Zero, cpu0 = cpu;
        var next = 0;
        var limit = Math.Min(50_000, MqttService.HandOffCapacity / 2);
        while (clock.Elapsed < total)
        {
            if (measuredFrom == TimeSpan.Zero && clock.Elapsed >= ramp)
            {
                (lines0, messages0, measuredFrom, cpu0) = (counter.Lines, counter.Count, clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime);
            }

            if (mqtt.GetStatus().Queued >= limit)
            {
                await Task.Delay(10, cancellationToken);
                continue;
            }

            var batch = new Measurement[Math.Min(5_000, readings.Length - next)];
            Array.Copy(readings, next, batch, 0, batch.Length);
            next = (next + batch.Length) % readings.Length;
            await mqtt.WriteAsync(batch, cancellationToken);
        }

        var seconds = (clock.Elapsed - measuredFrom).TotalSeconds;
        var deliveredLines = counter.Lines - lines0;
        var deliveredMessages = counter.Count - messages0;
        var cores = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / seconds;
        var status = mqtt.GetStatus();
        await app.StopAsync(CancellationToken.None);
        TryDelete(folder);
        return (new MqttThroughput
        {
            Name = "Core MqttService, gateway session, QoS 1",
            Seconds = seconds,
            Messages = deliveredMessages,
            Lines = deliveredLines,
            MessagesPerSecond = deliveredMessages / seconds,
            LinesPerSecond = deliveredLines / seconds,
            ProcessCores = cores,
            Note = $"{devices:N0} children; fed while < {limit:N0} queued; dropped {status.Dropped:N0}, failed {status.Failed:N0}",
        }, messages);
    }

    public static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Until the subscriber's count stops moving for half a second; returns seconds from start to the last delivery.</summary>
    private static async Task<double> WaitForTailAsync(IDeliveryCounter counter, long published, long started, CancellationToken cancellationToken)
    {
        var publishSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var last = -1L;
        while (counter.Count != last && counter.Count < published)
        {
            last = counter.Count;
            await Task.Delay(500, cancellationToken);
        }

        return Math.Max(publishSeconds, (counter.LastReceivedTicks - started) / (double)Stopwatch.Frequency);
    }
}

/// <summary>The MQTT baselines of one run: the transport ceiling, then the Core gateway path and the raw loop over the same messages, alternating.</summary>
public static class MqttBaselines
{
    private const int Rounds = 2;

    public static async Task<MqttBaseline> RunAsync(BenchOptions options, BenchEnvironment environment, CancellationToken cancellationToken)
    {
        var (host, port) = await environment.BrokerAsync(cancellationToken);
        var result = new MqttBaseline { Broker = $"{host}:{port}", Mode = options.MqttMode.ToString().ToLowerInvariant(), Devices = options.Devices };
        Console.Error.WriteLine($"[mqtt] transport ceiling: raw MQTTnet QoS 0, 100 lines/message, 5 s");
        result.RawCeiling = await MqttBench.RawCeilingAsync(host, port, TimeSpan.FromSeconds(5), cancellationToken);
        if (options.MqttMode != MqttMode.Gateway)
        {
            result.CoreStatus = "the saturation comparison is for gateway mode (one connection); per-device mode is measured by the pipeline run";
            return result;
        }

        // Best of two alternating rounds each: the machine is shared.
        for (var round = 1; round <= Rounds; round++)
        {
            Console.Error.WriteLine($"[mqtt] round {round}/{Rounds}: Core gateway path at saturation ({options.Devices:N0} children, 10 s), then the raw QoS 1 loop on the same messages (10 s)");
            var (core, messages) = await MqttBench.CoreGatewayAsync(environment, host, port, options.Devices, TimeSpan.FromSeconds(10), cancellationToken);
            var raw = await MqttBench.RawPerReadingAsync(host, port, messages, TimeSpan.FromSeconds(10), 1024, cancellationToken);
            Console.Error.WriteLine($"[mqtt]   Core {core.LinesPerSecond:N0} readings/s in {core.MessagesPerSecond:N0} msg/s; raw {raw.LinesPerSecond:N0} readings/s in {raw.MessagesPerSecond:N0} msg/s");
            if (result.Core is null || core.LinesPerSecond > result.Core.LinesPerSecond)
            {
                result.Core = core;
            }

            if (result.RawPerReading is null || raw.LinesPerSecond > result.RawPerReading.LinesPerSecond)
            {
                result.RawPerReading = raw;
            }
        }

        result.CoreStatus = $"Core/raw {result.CoreToRawLines:0.00}× readings/s, {result.CoreToRawMessages:0.00}× messages/s (target ≥ 0.7×)";
        return result;
    }
}
