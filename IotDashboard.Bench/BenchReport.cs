using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace IotDashboard.Bench;

public sealed class CapacityResult
{
    public required string Store { get; init; }
    public int MaxSustainedDevices { get; set; }
    public int? FirstFailingDevices { get; set; }
    public string? Limit { get; set; }
    public List<RunResult> Trials { get; } = [];
}

public sealed class BenchReport
{
    public string Date { get; init; } = TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
    public string Commit { get; init; } = GitCommit();
    public string Machine { get; init; } =
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, server GC {System.Runtime.GCSettings.IsServerGC}";
    public required string CommandLine { get; init; }
    public RunResult? Run { get; set; }
    public StorageBaselines? StorageBaselines { get; set; }
    public MqttBaseline? Mqtt { get; set; }
    public List<CapacityResult> Capacity { get; } = [];
    public List<QueryResults> Queries { get; } = [];
    public List<string> Notes { get; } = [];

    public string ToTable()
    {
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"IotDashboard.Bench  {Date}  commit {Commit}");
        s.AppendLine(CultureInfo.InvariantCulture, $"{Machine}");
        s.AppendLine(CultureInfo.InvariantCulture, $"{CommandLine}");
        if (Run is { } r)
        {
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"Pipeline: {r.Devices:N0} devices every {r.IntervalSeconds:0.###} s, store {r.Store}, {r.DurationSeconds:0} s measured after {r.WarmupSeconds:0} s warm-up — {r.Verdict}");
            Row(s, "readings generated/s", $"{r.GeneratedPerSecond:N0}", $"expected {r.ExpectedPerSecond:N0} ({r.GeneratedPerSecond / r.ExpectedPerSecond:P1}); ticks skipped {r.SkippedTicks:N0}");
            Row(s, r.Store == "none" ? "readings delivered/s (live)" : "readings stored/s", $"{r.StoredPerSecond:N0}", "");
            if (r.MqttDeliveredPerSecond is { } mqtt)
            {
                Row(s, "MQTT messages delivered/s", $"{mqtt:N0}", "counted by a subscriber on the broker");
            }

            Row(s, "lost after drain", $"{r.Lost:N0}", $"generated {r.Generated:N0}, {(r.Store == "none" ? "delivered" : "rows in table")} {r.Stored:N0}; drain {r.DrainSeconds:0.0} s — target 0");
            Row(s, "tick lateness p50 / p99 / max", $"{r.LatenessP50Ms:N1} / {r.LatenessP99Ms:N1} / {r.LatenessMaxMs:N0} ms", "target p99 < 1,000 ms");
            Row(s, "queue depth max", $"{r.QueueDepthMax:N0}", $"capacity {r.QueueCapacity:N0}");
            Row(s, "live feed latency p50 / p99", $"{r.LiveLatencyP50Ms:N0} / {r.LiveLatencyP99Ms:N0} ms", $"max {r.LiveLatencyMaxMs:N0} ms; {r.LiveLatencySamples:N0} readings on {r.LiveSubscribers} subscribed devices — target p99 < 300 ms");
            Row(s, "memory per idle device", $"{r.IdleGcHeapBytesPerDevice:N0} B GC heap", $"working set {r.IdleWorkingSetBytesPerDevice:N0} B — target ≤ 4,096 B");
            Row(s, "memory per running device", $"{r.RunningGcHeapBytesPerDevice:N0} B GC heap", $"working set {r.RunningWorkingSetBytesPerDevice:N0} B; process {r.WorkingSetMb:N0} MB WS, {r.GcHeapMb:N0} MB heap");
            Row(s, "CPU", $"{r.ProcessCores:N2} cores", $"this process; machine busy {r.MachineBusy:P0} (incl. database/broker)");
        }

        if (StorageBaselines is { } b)
        {
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"Storage baselines ({b.Store}, {b.Rows:N0} rows of {b.InterleavedDevices:N0} interleaved devices, fresh table each)");
            Row(s, b.Store == "postgres" ? "raw Npgsql binary COPY" : "raw prepared INSERT, 1 tx", $"{b.RawRowsPerSecond:N0} rows/s", "the physical limit");
            Row(s, "Core storage sink", $"{b.CoreRowsPerSecond:N0} rows/s", $"{b.CoreToRaw:0.00}× raw (target ≥ 0.7×); batches of {b.CoreBatchSize:N0}; best of {string.Join(" / ", b.CoreRuns.Select(x => x.ToString("N0", CultureInfo.InvariantCulture)))}");
            Row(s, "EF Core SaveChanges/reading", $"{b.EfPerReadingRowsPerSecond:N0} rows/s", $"the prototype's approach; Core is {b.CoreToEf:N0}× faster");
        }

        if (Mqtt is { } m)
        {
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"MQTT ({m.Broker}, {m.Mode} mode, {m.PayloadBytes:N0}-byte messages, QoS 0)");
            Row(s, "raw MQTTnet publish loop", $"{m.DeliveredPerSecond:N0} msg/s delivered", $"published {m.PublishedPerSecond:N0}/s; {m.Delivered:N0} of {m.Published:N0} delivered");
            Row(s, "Core MQTT path", m.CoreDeliveredPerSecond is { } c ? $"{c:N0} msg/s" : "—", m.CoreStatus);
        }

        foreach (var c in Capacity)
        {
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"Capacity ({c.Store}): {c.MaxSustainedDevices:N0} devices at 1 Hz sustained{(c.FirstFailingDevices is { } f ? $"; {f:N0} not" : "")}{(c.Limit is null ? "" : $" ({c.Limit})")}");
            foreach (var t in c.Trials)
            {
                s.AppendLine(CultureInfo.InvariantCulture,
                    $"  {t.Devices,9:N0} devices: generated {t.GeneratedPerSecond,9:N0}/s, stored {t.StoredPerSecond,9:N0}/s, lateness p99 {t.LatenessP99Ms,8:N0} ms, queue max {t.QueueDepthMax,9:N0}, lost {t.Lost,7:N0}, live p99 {t.LiveLatencyP99Ms,5:N0} ms, CPU {t.ProcessCores:N2} — {t.Verdict}");
            }
        }

        foreach (var q in Queries)
        {
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"Queries ({q.Store}, {q.StoredReadings:N0} readings of {q.Devices} devices over 24 h; loaded in {q.LoadSeconds:N0} s = {q.LoadRowsPerSecond:N0} rows/s)");
            foreach (var t in q.Timings)
            {
                Row(s, t.Name, $"{t.MedianMs:N1} ms", $"cold {t.ColdMs:N1} ms, max {t.MaxMs:N1} ms, {t.Rows:N0} rows");
            }
        }

        foreach (var note in Notes)
        {
            s.AppendLine();
            s.AppendLine(note);
        }

        return s.ToString();
    }

    private static void Row(StringBuilder s, string name, string value, string note) =>
        s.AppendLine(CultureInfo.InvariantCulture, $"  {name,-34} {value,-28} {note}");

    private static string GitCommit()
    {
        try
        {
            DirectoryInfo? Repository(string start)
            {
                var d = new DirectoryInfo(start);
                while (d is not null && !Path.Exists(Path.Combine(d.FullName, ".git")))
                {
                    d = d.Parent;
                }

                return d;
            }

            var directory = Repository(AppContext.BaseDirectory) ?? Repository(Environment.CurrentDirectory);

            if (directory is null)
            {
                return "unknown";
            }

            string Git(params string[] args)
            {
                using var process = Process.Start(new ProcessStartInfo("git", ["-C", directory.FullName, .. args]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
                var output = process.StandardOutput.ReadToEnd().Trim();
                process.WaitForExit();
                return output;
            }

            var commit = Git("rev-parse", "--short", "HEAD");
            return Git("status", "--porcelain", "--untracked-files=no").Length > 0 ? commit + "+changes" : commit;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
