namespace IotDashboard.Bench;

/// <summary>
/// The largest fleet at 1 Hz that the pipeline sustains for the whole measured window (no skipped ticks, p99 tick
/// lateness under 1 s, nothing lost): double from --devices until a run fails, then bisect the bracket.
/// </summary>
public static class CapacitySearch
{
    public static async Task<CapacityResult> RunAsync(BenchOptions options, BenchEnvironment environment, StoreKind store, CancellationToken cancellationToken)
    {
        var result = new CapacityResult { Store = store.ToString().ToLowerInvariant() };
        var oneHertz = new BenchOptions { Interval = TimeSpan.FromSeconds(1), Duration = options.Duration, Warmup = options.Warmup, Subscribers = options.Subscribers, Keep = options.Keep };
        var low = 0;
        int? high = null;
        var next = options.Devices;

        async Task<bool> TryAsync(int devices)
        {
            var run = await PipelineRun.RunAsync(oneHertz, environment, store, devices, quiet: false, cancellationToken);
            result.Trials.Add(run);
            Console.Error.WriteLine($"[find-max {result.Store}] {devices:N0} devices: {run.Verdict}");
            return run.Sustained;
        }

        while (high is null)
        {
            if (await TryAsync(next))
            {
                low = next;
                if (next >= options.MaxDevices)
                {
                    result.Limit = $"reached --max-devices {options.MaxDevices:N0}";
                    break;
                }

                next = Math.Min(next * 2, options.MaxDevices);
            }
            else
            {
                high = next;
            }
        }

        while (high is { } h && h - low > Math.Max(100, options.Resolution * h))
        {
            var mid = (low + h) / 2 / 100 * 100;
            if (mid <= low)
            {
                break;
            }

            if (await TryAsync(mid))
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        result.MaxSustainedDevices = low;
        result.FirstFailingDevices = high;
        return result;
    }
}
