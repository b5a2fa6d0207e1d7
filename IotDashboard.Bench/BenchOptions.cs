using System.Globalization;

namespace IotDashboard.Bench;

public enum StoreKind
{
    None,
    Sqlite,
    Postgres,
}

public enum MqttMode
{
    Device,
    Gateway,
}

/// <summary>The command line. Durations accept "30s", "500ms", "2m" or plain seconds.</summary>
public sealed class BenchOptions
{
    public const string Usage = """
        IotDashboard.Bench — throughput, latency and memory of the real Core pipeline, beside raw baselines.

          dotnet run -c Release --project IotDashboard.Bench -- [options]

          --devices N          devices to simulate (default 10000); with --find-max: the first count tried
          --interval T         reading interval per device (default 1s)
          --duration T         measured steady state (default 30s)
          --warmup T           run before measuring (default 10s)
          --store S            none | sqlite | postgres (default sqlite); with --find-max a comma list
          --pg "CONN"          use this PostgreSQL instead of starting a throwaway server
          --mqtt M             none | local (start a Mosquitto) | HOST:PORT (default none)
          --mqtt-mode M        device | gateway (default gateway)
          --subscribers N      devices watched through the live feed for the latency figure (default 100)
          --baselines on|off   raw SQLite / Npgsql / MQTTnet and EF Core baselines (default on)
          --baseline-rows N    rows each storage baseline writes (default 200000)
          --find-max           capacity search: doubling then bisecting at 1 Hz for each --store
          --resolution F       find-max stops when the bracket is within this fraction (default 0.1)
          --max-devices N      find-max upper limit (default 400000)
          --queries            time the chart and data-view queries over --query-rows stored readings
          --query-rows N       readings loaded for --queries (default 10000000)
          --json FILE          write every figure as JSON
          --data-dir DIR       where SQLite files and the throwaway PostgreSQL live (default a temp folder)
          --keep               keep the data folder
        """;

    public int Devices { get; set; } = 10_000;

    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan Warmup { get; set; } = TimeSpan.FromSeconds(10);

    public List<StoreKind> Stores { get; } = [];

    public StoreKind Store => Stores.Count > 0 ? Stores[0] : StoreKind.Sqlite;

    public string? PostgresConnectionString { get; set; }

    public string Mqtt { get; set; } = "none";

    public MqttMode MqttMode { get; set; } = MqttMode.Gateway;

    public int Subscribers { get; set; } = 100;

    public bool Baselines { get; set; } = true;

    public int BaselineRows { get; set; } = 200_000;

    public bool FindMax { get; set; }

    public double Resolution { get; set; } = 0.1;

    public int MaxDevices { get; set; } = 400_000;

    public bool Queries { get; set; }

    public long QueryRows { get; set; } = 10_000_000;

    public string? JsonPath { get; set; }

    public string? DataDirectory { get; set; }

    public bool Keep { get; set; }

    public bool MqttEnabled => !string.Equals(Mqtt, "none", StringComparison.OrdinalIgnoreCase);

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--devices": o.Devices = ParseInt(name, Next()); break;
                case "--interval": o.Interval = ParseDuration(name, Next()); break;
                case "--duration": o.Duration = ParseDuration(name, Next()); break;
                case "--warmup": o.Warmup = ParseDuration(name, Next()); break;
                case "--store":
                    foreach (var part in Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        o.Stores.Add(Enum.TryParse<StoreKind>(part, ignoreCase: true, out var store)
                            ? store
                            : throw new ArgumentException($"--store must be none, sqlite or postgres (got '{part}')."));
                    }

                    break;
                case "--pg": o.PostgresConnectionString = Next(); break;
                case "--mqtt": o.Mqtt = Next(); break;
                case "--mqtt-mode":
                    o.MqttMode = Enum.TryParse<MqttMode>(Next(), ignoreCase: true, out var mode)
                        ? mode
                        : throw new ArgumentException("--mqtt-mode must be device or gateway.");
                    break;
                case "--subscribers": o.Subscribers = ParseInt(name, Next()); break;
                case "--baselines": o.Baselines = Next() is not ("off" or "false" or "no"); break;
                case "--baseline-rows": o.BaselineRows = ParseInt(name, Next()); break;
                case "--find-max": o.FindMax = true; break;
                case "--resolution": o.Resolution = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--max-devices": o.MaxDevices = ParseInt(name, Next()); break;
                case "--queries": o.Queries = true; break;
                case "--query-rows": o.QueryRows = long.Parse(Next().Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture); break;
                case "--json": o.JsonPath = Next(); break;
                case "--data-dir": o.DataDirectory = Next(); break;
                case "--keep": o.Keep = true; break;
                case "-h" or "--help": throw new HelpRequestedException();
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        if (o.Devices < 1)
        {
            throw new ArgumentException("--devices must be at least 1.");
        }

        if (o.Interval < TimeSpan.FromMilliseconds(100))
        {
            throw new ArgumentException("--interval must be at least 100ms (the scheduler's minimum).");
        }

        if (o.Stores.Count == 0)
        {
            o.Stores.Add(StoreKind.Sqlite);
        }

        return o;
    }

    public static TimeSpan ParseDuration(string name, string text)
    {
        var t = text.Trim();
        double Number(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
        try
        {
            return t.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? TimeSpan.FromMilliseconds(Number(t[..^2]))
                : t.EndsWith('s') ? TimeSpan.FromSeconds(Number(t[..^1]))
                : t.EndsWith('m') ? TimeSpan.FromMinutes(Number(t[..^1]))
                : t.EndsWith('h') ? TimeSpan.FromHours(Number(t[..^1]))
                : TimeSpan.FromSeconds(Number(t));
        }
        catch (FormatException)
        {
            throw new ArgumentException($"{name}: '{text}' is not a duration like 30s, 500ms or 2m.");
        }
    }

    private static int ParseInt(string name, string text) =>
        int.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"{name}: '{text}' is not a whole number.");
}

public sealed class HelpRequestedException : Exception;
