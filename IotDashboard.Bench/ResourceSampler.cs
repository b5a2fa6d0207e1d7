using System.Diagnostics;
using System.Globalization;

namespace IotDashboard.Bench;

/// <summary>CPU of this process and of the whole machine (which includes PostgreSQL and Mosquitto) over an interval.</summary>
public sealed class ResourceSampler
{
    private readonly Process _process = Process.GetCurrentProcess();
    private TimeSpan _processCpu;
    private long _started;
    private (long Busy, long Total) _machine;

    public void Start()
    {
        _process.Refresh();
        _processCpu = _process.TotalProcessorTime;
        _started = Stopwatch.GetTimestamp();
        _machine = ReadMachine();
    }

    /// <summary>(cores of this process, fraction of the machine's CPU in use overall).</summary>
    public (double ProcessCores, double MachineBusy) Stop()
    {
        _process.Refresh();
        var wall = Stopwatch.GetElapsedTime(_started).TotalSeconds;
        var cores = (_process.TotalProcessorTime - _processCpu).TotalSeconds / Math.Max(wall, 1e-3);
        var (busy, total) = ReadMachine();
        var machine = total > _machine.Total ? (double)(busy - _machine.Busy) / (total - _machine.Total) : double.NaN;
        return (cores, machine);
    }

    public static (long WorkingSet, long GcHeap) Memory(bool collect)
    {
        if (collect)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        using var process = Process.GetCurrentProcess();
        return (process.WorkingSet64, GC.GetTotalMemory(false));
    }

    private static (long Busy, long Total) ReadMachine()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
            var total = fields.Take(8).Sum();
            return (total - idle, total);
        }
        catch (IOException)
        {
            return (0, 0);
        }
    }
}
