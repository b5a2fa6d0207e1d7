using System.Text.Json;
using System.Text.Json.Serialization;
using IotDashboard.Bench;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (HelpRequestedException)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
catch (ArgumentException ex)
{
    await Console.Error.WriteLineAsync($"{ex.Message}\n\n{BenchOptions.Usage}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;

// The Core MQTT publisher is being built on branch 'mqtt'; until it is merged only the raw baseline runs.
const string CoreMqttUnavailable = "not available yet: the Core MQTT publisher (branch 'mqtt') is not merged into this build; only the raw MQTTnet baseline was measured";

var report = new BenchReport { CommandLine = "dotnet run -c Release --project IotDashboard.Bench -- " + string.Join(' ', args) };
var exitCode = 0;
await using (var environment = new BenchEnvironment(options))
{
    try
    {
        if (options.MqttEnabled)
        {
            var (host, port) = await environment.BrokerAsync(ct);
            Console.Error.WriteLine($"[mqtt] raw MQTTnet publish loop to {host}:{port}, {options.MqttMode} mode, 5 s");
            report.Mqtt = await MqttBench.RawPublishAsync(host, port, options.MqttMode, TimeSpan.FromSeconds(5), ct);
            report.Mqtt.CoreStatus = CoreMqttUnavailable;
            await Console.Error.WriteLineAsync($"MQTT via Core: {CoreMqttUnavailable}.");
            exitCode = 3;
        }

        if (options.FindMax)
        {
            foreach (var store in options.Stores)
            {
                report.Capacity.Add(await CapacitySearch.RunAsync(options, environment, store, ct));
            }

            if (options.MqttEnabled)
            {
                report.Notes.Add($"Capacity with MQTT {options.MqttMode} mode: {CoreMqttUnavailable}.");
            }
        }
        else
        {
            report.Run = await PipelineRun.RunAsync(options, environment, options.Store, options.Devices, quiet: false, ct);
            if (options.Baselines && options.Store != StoreKind.None)
            {
                report.StorageBaselines = await Baselines.RunStorageAsync(options, environment, options.Store, options.Devices, ct);
            }
        }

        if (options.Queries)
        {
            foreach (var store in options.Stores.Where(s => s != StoreKind.None).Distinct())
            {
                report.Queries.Add(await QueryBench.RunAsync(options, environment, store, ct));
            }
        }
    }
    catch (OperationCanceledException) when (ct.IsCancellationRequested)
    {
        await Console.Error.WriteLineAsync("Cancelled; figures so far follow.");
        exitCode = 130;
    }
}

Console.WriteLine();
Console.WriteLine(report.ToTable());
if (options.JsonPath is { } path)
{
    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    }));
    Console.WriteLine($"JSON: {Path.GetFullPath(path)}");
}

return exitCode;
