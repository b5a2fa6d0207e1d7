using System.Globalization;
using System.Text;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;

namespace IotDashboard.Core.Mqtt;

/// <summary>An operation from <c>s/ds</c> for one of our devices.</summary>
public sealed record CumulocityOperation(string Template, string Serial, string Fragment, string Argument);

/// <summary>The outcome of an operation: <c>503</c> with <see cref="Result"/>, or <c>502</c> with <see cref="Reason"/>.</summary>
public sealed record OperationOutcome(bool Success, string? Result, string? Reason)
{
    public static OperationOutcome Ok(string? result = null) => new(true, result, null);

    public static OperationOutcome Fail(string reason) => new(false, null, reason);
}

/// <summary>
/// Executes <c>510</c> restart, <c>511</c> command and <c>513</c> configuration on simulated devices through
/// <see cref="DeviceManager"/>, so they change the running model and are persisted like UI changes.
/// </summary>
/// <remarks>
/// The command language of <c>511</c> (case-insensitive, one command per operation):
/// <list type="bullet">
/// <item><c>status</c> — running or stopped, interval, parameters.</item>
/// <item><c>start</c>, <c>stop</c>, <c>restart</c>.</item>
/// <item><c>set interval &lt;seconds&gt;</c> — the reading interval (0.1–3600).</item>
/// <item><c>set cloudiness &lt;0..1&gt;</c> — the weather of the device's site (all devices there follow).</item>
/// <item><c>set &lt;parameter&gt; &lt;value&gt;</c> — a model parameter, e.g. <c>set peak_power 4500</c>.</item>
/// <item><c>help</c> — this list.</item>
/// </list>
/// <c>513</c> takes the configuration as text, one <c>key=value</c> per line: <c>interval=&lt;seconds&gt;</c> and the
/// type's parameters; keys left out keep their values. The device answers with <c>113</c> and its new configuration.
/// </remarks>
public sealed class CumulocityOperations(DeviceManager devices)
{
    public const string Help = "Commands: status | start | stop | restart | set interval <seconds> | set cloudiness <0..1> | set <parameter> <value> | help";

    /// <summary>Reads the operations in an <c>s/ds</c> message; other templates are ignored.</summary>
    public static IEnumerable<CumulocityOperation> ParseOperations(string payload)
    {
        foreach (var fields in SmartRest.Parse(payload))
        {
            if (fields.Count < 2)
            {
                continue;
            }

            var argument = fields.Count > 2 ? string.Join(",", fields.Skip(2)) : string.Empty;
            var fragment = fields[0] switch
            {
                "510" => SmartRest.RestartFragment,
                "511" => SmartRest.CommandFragment,
                "513" => SmartRest.ConfigurationFragment,
                _ => null,
            };
            if (fragment is not null)
            {
                yield return new CumulocityOperation(fields[0], fields[1], fragment, argument);
            }
        }
    }

    public async Task<OperationOutcome> ExecuteAsync(CumulocityOperation operation, MqttDevice device, Func<bool, Task> onRestart, CancellationToken cancellationToken)
    {
        try
        {
            return operation.Template switch
            {
                "510" => await RestartAsync(device, onRestart, cancellationToken),
                "511" => await CommandAsync(operation.Argument, device, onRestart, cancellationToken),
                "513" => await ConfigureAsync(operation.Argument, device, cancellationToken),
                _ => OperationOutcome.Fail($"Operation {operation.Template} is not supported."),
            };
        }
        catch (DeviceValidationException ex)
        {
            return OperationOutcome.Fail(ex.Message);
        }
    }

    /// <summary>The device's configuration as <c>513</c>/<c>113</c> text.</summary>
    public static string ConfigurationText(DeviceView view)
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"interval={view.Interval.TotalSeconds:0.###}");
        foreach (var (key, value) in view.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            builder.Append('\n').Append(key).Append('=').Append(value.ToString("0.######", CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }

    private async Task<OperationOutcome> RestartAsync(MqttDevice device, Func<bool, Task> onRestart, CancellationToken cancellationToken)
    {
        // A real restart: the model stops ticking, then resumes (its counters continue).
        await devices.StopAsync([device.Id], cancellationToken);
        await onRestart(false);
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        await devices.StartAsync([device.Id], cancellationToken);
        await onRestart(true);
        return OperationOutcome.Ok();
    }

    private async Task<OperationOutcome> CommandAsync(string text, MqttDevice device, Func<bool, Task> onRestart, CancellationToken cancellationToken)
    {
        var words = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var view = devices.Get(device.Id) ?? throw new DeviceValidationException([$"Device {device.ExternalId} no longer exists."]);
        var verb = words.Length > 0 ? words[0].ToLowerInvariant() : string.Empty;
        switch (verb)
        {
            case "status" when words.Length == 1:
                return OperationOutcome.Ok($"{(view.Running ? "running" : "stopped")}, {ConfigurationText(view).Replace('\n', ' ')}, readings={view.ReadingsCount}");
            case "help" when words.Length == 1:
                return OperationOutcome.Ok(Help);
            case "start" when words.Length == 1:
                await devices.StartAsync([device.Id], cancellationToken);
                if (!view.Running)
                {
                    await onRestart(true);
                }

                return OperationOutcome.Ok("started");
            case "stop" when words.Length == 1:
                await devices.StopAsync([device.Id], cancellationToken);
                if (view.Running)
                {
                    await onRestart(false);
                }

                return OperationOutcome.Ok("stopped");
            case "restart" when words.Length == 1:
                await RestartAsync(device, onRestart, cancellationToken);
                return OperationOutcome.Ok("restarted");
            case "set" when words.Length == 3:
                return await SetAsync(words[1].ToLowerInvariant(), words[2], view, cancellationToken);
            default:
                var shown = text.Length > 60 ? text[..60] + "…" : text;
                return OperationOutcome.Fail($"Unknown command '{shown}'. {Help}");
        }
    }

    private async Task<OperationOutcome> SetAsync(string key, string valueText, DeviceView view, CancellationToken cancellationToken)
    {
        if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return OperationOutcome.Fail($"'{valueText}' is not a number (use a dot for decimals).");
        }

        switch (key)
        {
            case "interval":
                await devices.ConfigureAsync(view.Id, TimeSpan.FromSeconds(value), view.Parameters, cancellationToken: cancellationToken);
                return OperationOutcome.Ok($"interval={value.ToString("0.###", CultureInfo.InvariantCulture)} s");
            case "cloudiness":
                var site = view.SiteId is { } siteId ? devices.ListSites().FirstOrDefault(s => s.Id == siteId) : null;
                if (site is null)
                {
                    return OperationOutcome.Fail("This device belongs to no site, so it has no weather to change.");
                }

                await devices.UpdateSiteAsync(site.Id, site.Name, site.Latitude, site.Longitude, value, cancellationToken);
                return OperationOutcome.Ok($"cloudiness={value.ToString("0.##", CultureInfo.InvariantCulture)} at site {site.Name}");
            default:
                var parameters = new Dictionary<string, double>(view.Parameters, StringComparer.Ordinal) { [key] = value };
                await devices.ConfigureAsync(view.Id, view.Interval, parameters, cancellationToken: cancellationToken);
                return OperationOutcome.Ok($"{key}={value.ToString("0.######", CultureInfo.InvariantCulture)}");
        }
    }

    private async Task<OperationOutcome> ConfigureAsync(string text, MqttDevice device, CancellationToken cancellationToken)
    {
        var view = devices.Get(device.Id) ?? throw new DeviceValidationException([$"Device {device.ExternalId} no longer exists."]);
        var interval = view.Interval;
        var parameters = new Dictionary<string, double>(view.Parameters, StringComparer.Ordinal);
        var errors = new List<string>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                errors.Add($"Line {lineNumber}: expected key=value.");
                continue;
            }

            var key = line[..equals].Trim();
            var valueText = line[(equals + 1)..].Trim();
            if (!double.TryParse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                errors.Add($"Line {lineNumber}: '{valueText}' is not a number.");
            }
            else if (key == "interval")
            {
                interval = TimeSpan.FromSeconds(value);
            }
            else
            {
                parameters[key] = value;
            }
        }

        if (errors.Count > 0)
        {
            return OperationOutcome.Fail(string.Join(" ", errors));
        }

        await devices.ConfigureAsync(view.Id, interval, parameters, cancellationToken: cancellationToken);
        return OperationOutcome.Ok();
    }
}
