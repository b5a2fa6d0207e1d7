using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Storage;
using IotDashboard.Core.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;

namespace IotDashboard.Core.Settings;

/// <summary>
/// Settings changed in the UI, kept in the <c>app_settings</c> table as text under dotted keys and held in memory.
/// They override appsettings.json through the options pipeline (<see cref="SettingsOptionsOverrides"/>), so code
/// that reads <c>IOptionsMonitor</c> sees a change without a restart.
/// </summary>
public sealed class AppSettingsStore(IDbContextFactory<IotDbContext> contexts, TimeProvider timeProvider)
{
    public const string DefaultIntervalKey = "simulation.default_interval_ms";
    public const string ResumeOnStartKey = "simulation.resume_on_start";
    public const string RetentionDaysKey = "storage.retention_days";

    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly Lock _loadGate = new();
    private CancellationTokenSource _changed = new();
    private volatile bool _loaded;

    /// <summary>Fires once after each save; take a new token then (the <see cref="IChangeToken"/> contract).</summary>
    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    public int? GetInt(string key) =>
        TryGet(key) is { } text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    public bool? GetBool(string key) => TryGet(key) is { } text && bool.TryParse(text, out var value) ? value : null;

    /// <summary>Validates and stores the simulation defaults; throws <see cref="DeviceValidationException"/> with what is allowed.</summary>
    public async Task SaveAsync(SimulationDefaults defaults, CancellationToken cancellationToken = default)
    {
        var errors = defaults.Validate();
        if (errors.Count > 0)
        {
            throw new DeviceValidationException(errors);
        }

        await SetAsync(
            new Dictionary<string, string>
            {
                [DefaultIntervalKey] = defaults.DefaultIntervalMs.ToString(CultureInfo.InvariantCulture),
                [ResumeOnStartKey] = defaults.ResumeOnStart ? "true" : "false",
                [RetentionDaysKey] = defaults.RetentionDays.ToString(CultureInfo.InvariantCulture),
            },
            cancellationToken);
    }

    /// <summary>Upserts raw values (other features keep their own keys here too).</summary>
    public async Task SetAsync(IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken = default)
    {
        EnsureLoaded();
        var now = timeProvider.GetUtcNow();
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var keys = values.Keys.ToList();
            var existing = await context.Settings.Where(s => keys.Contains(s.Key)).ToDictionaryAsync(s => s.Key, cancellationToken);
            foreach (var (key, value) in values)
            {
                if (existing.TryGetValue(key, out var row))
                {
                    row.Value = value;
                    row.UpdatedAt = now;
                }
                else
                {
                    context.Settings.Add(new AppSetting { Key = key, Value = value, UpdatedAt = now });
                }
            }

            await context.SaveChangesAsync(cancellationToken);
        }

        foreach (var (key, value) in values)
        {
            _values[key] = value;
        }

        var previous = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        await previous.CancelAsync();
        previous.Dispose();
    }

    private string? TryGet(string key)
    {
        EnsureLoaded();
        return _values.GetValueOrDefault(key);
    }

    /// <summary>
    /// Reads the table once, synchronously, because options are built synchronously and may be built before the
    /// hosted services run. A database without the table yet (first start, before migrations) has no overrides.
    /// </summary>
    private void EnsureLoaded()
    {
        if (_loaded)
        {
            return;
        }

        lock (_loadGate)
        {
            if (_loaded)
            {
                return;
            }

            try
            {
                using var context = contexts.CreateDbContext();
                if (!context.Database.GetAppliedMigrations().Any())
                {
                    return; // a fresh database: migrations (and the table) come later, and there is nothing to override
                }

                foreach (var row in context.Settings.AsNoTracking().ToList())
                {
                    _values.TryAdd(row.Key, row.Value);
                }

                _loaded = true;
            }
            catch (DbException)
            {
                // No table (fresh database) or no server yet: no overrides now; the next read tries again.
            }
        }
    }
}
