using System.Collections.Concurrent;
using System.Text.Json;
using IotDashboard.Core.Devices;
using IotDashboard.Core.Live;
using IotDashboard.Core.Storage;
using IotDashboard.Core.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IotDashboard.Core.Simulation;

/// <summary>
/// What the UI (and MQTT operations) call to manage devices: validates, persists, then tells the scheduler.
/// The database is the truth for configuration and desired status; the scheduler for what runs now.
/// </summary>
public sealed partial class DeviceManager(
    IDbContextFactory<IotDbContext> contexts,
    DeviceScheduler scheduler,
    DeviceTypeRegistry types,
    MeasurementQueries queries,
    ILiveFeed liveFeed,
    TimeProvider timeProvider,
    IOptions<SimulationOptions> options,
    ILogger<DeviceManager> logger)
{
    public const int MaxNameLength = 100;
    public const int MaxBulkCount = 10_000;

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<string, IReadOnlyDictionary<string, double>> _parsedParameters = new();

    private readonly ConcurrentDictionary<int, DeviceConfig> _devices = new();
    private readonly ConcurrentDictionary<int, SiteEntity> _sites = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public DeviceTypeRegistry Types => types;

    /// <summary>Loads every site and device, continues their counters, and resumes those that were running.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var site in await context.Sites.AsNoTracking().ToListAsync(cancellationToken))
        {
            _sites[site.Id] = site;
            scheduler.UpsertSite(site.Id, ToSettings(site));
        }

        var devices = await context.Devices.AsNoTracking().ToListAsync(cancellationToken);
        var latest = devices.Count == 0 ? new Dictionary<int, StoredReading>() : await queries.LatestPerDeviceAsync(cancellationToken);
        await ReconcileCountersAsync(devices, cancellationToken);
        var resume = options.Value.ResumeOnStart;
        foreach (var device in devices)
        {
            if (!types.TryGet(device.DeviceType, out var type))
            {
                LogUnknownType(device.Id, device.DeviceType);
                continue;
            }

            _devices[device.Id] = device;
            var running = resume && device.Status == DeviceStatus.Running;
            scheduler.Add(ToDefinition(device, type), running, latest.GetValueOrDefault(device.Id)?.Values, device.ReadingsCount);
        }

        if (!resume)
        {
            await context.Devices.Where(d => d.Status == DeviceStatus.Running)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, DeviceStatus.Stopped), cancellationToken);
            foreach (var device in _devices.Values)
            {
                device.Status = DeviceStatus.Stopped;
            }
        }

        LogLoaded(_devices.Count, _devices.Values.Count(d => d.Status == DeviceStatus.Running));
    }

    /// <summary>Every device, by name. Cheap enough for a live page to call a few times a second with 10,000 devices.</summary>
    public IReadOnlyList<DeviceView> List()
    {
        var runtime = scheduler.GetAllInfo().ToDictionary(i => i.Id);
        return [.. _devices.Values.Select(d => ToView(d, runtime.GetValueOrDefault(d.Id))).OrderBy(d => d.Name, StringComparer.CurrentCultureIgnoreCase).ThenBy(d => d.Id)];
    }

    public DeviceView? Get(int id) => _devices.TryGetValue(id, out var device) ? ToView(device, scheduler.GetInfo(id)) : null;

    public DeviceView? FindByExternalId(string externalId) =>
        _devices.Values.FirstOrDefault(d => d.ExternalId == externalId) is { } device ? ToView(device, scheduler.GetInfo(device.Id)) : null;

    public IReadOnlyList<SiteView> ListSites() =>
        [.. _sites.Values.OrderBy(s => s.Name, StringComparer.CurrentCultureIgnoreCase).Select(ToView)];

    /// <summary>Creates one or many devices after validating everything; nothing is stored when anything is invalid.</summary>
    public async Task<IReadOnlyList<int>> CreateAsync(CreateDevicesRequest request, CancellationToken cancellationToken = default)
    {
        var errors = new List<string>();
        IDeviceType? type = null;
        if (!types.TryGet(request.TypeId ?? string.Empty, out var found))
        {
            errors.Add($"Device type must be one of: {string.Join(", ", types.All.Select(t => t.Id))}.");
        }
        else
        {
            type = found;
            errors.AddRange(DeviceParameters.Validate(type, request.Parameters));
        }

        errors.AddRange(ValidateName(request.Name));
        errors.AddRange(ValidateInterval(request.Interval));
        if (request.Count is < 1 or > MaxBulkCount)
        {
            errors.Add($"Count must be between 1 and {MaxBulkCount:N0}.");
        }

        if (request.SiteId is { } siteId && !_sites.ContainsKey(siteId))
        {
            errors.Add($"Site {siteId} does not exist.");
        }

        if (errors.Count > 0)
        {
            throw new DeviceValidationException(errors);
        }

        var parameters = DeviceParameters.Create(type!, request.Parameters);
        var parametersJson = JsonSerializer.Serialize(parameters.Values, _json);
        var now = timeProvider.GetUtcNow();
        var name = request.Name.Trim();
        var digits = Math.Max(4, request.Count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        var entities = Enumerable.Range(1, request.Count).Select(i => new DeviceConfig
        {
            ExternalId = $"{type!.Id}-{Guid.NewGuid():N}"[..(type.Id.Length + 13)],
            Name = request.Count == 1 ? name : $"{name} {i.ToString(new string('0', digits), System.Globalization.CultureInfo.InvariantCulture)}",
            DeviceType = type.Id,
            SiteId = request.SiteId,
            IntervalMs = (int)request.Interval.TotalMilliseconds,
            ParametersJson = parametersJson,
            Seed = request.Seed is { } seed ? seed + i - 1 : Random.Shared.NextInt64(),
            Status = request.Start ? DeviceStatus.Running : DeviceStatus.Stopped,
            CreatedAt = now,
            UpdatedAt = now,
        }).ToList();

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            context.Devices.AddRange(entities);
            await context.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            _writeGate.Release();
        }

        foreach (var device in entities)
        {
            _devices[device.Id] = device;
            scheduler.Add(ToDefinition(device, type!), request.Start);
        }

        liveFeed.NotifyFleetChanged();
        return [.. entities.Select(d => d.Id)];
    }

    public Task StartAsync(IEnumerable<int> ids, CancellationToken cancellationToken = default) =>
        SetStatusAsync(ids, DeviceStatus.Running, cancellationToken);

    public Task StopAsync(IEnumerable<int> ids, CancellationToken cancellationToken = default) =>
        SetStatusAsync(ids, DeviceStatus.Stopped, cancellationToken);

    /// <summary>Deletes devices and their readings (in chunks, so the writer is never locked out for long).</summary>
    public async Task DeleteAsync(IEnumerable<int> ids, CancellationToken cancellationToken = default)
    {
        var known = ids.Where(_devices.ContainsKey).Distinct().ToList();
        if (known.Count == 0)
        {
            return;
        }

        foreach (var id in known)
        {
            scheduler.Remove(id);
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await using var context = await contexts.CreateDbContextAsync(cancellationToken);
            foreach (var chunk in known.Chunk(500))
            {
                await context.Devices.Where(d => chunk.Contains(d.Id)).ExecuteDeleteAsync(cancellationToken);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        foreach (var id in known)
        {
            _devices.TryRemove(id, out _);
            (liveFeed as LiveFeed)?.Remove(id);
        }

        liveFeed.NotifyFleetChanged();
        await DeleteReadingsAsync(known, cancellationToken);
    }

    /// <summary>Changes a running device without restarting it: the model uses the new values from its next tick.</summary>
    public async Task ConfigureAsync(int id, TimeSpan interval, IReadOnlyDictionary<string, double> parameters, string? name = null, CancellationToken cancellationToken = default)
    {
        if (!_devices.TryGetValue(id, out var device))
        {
            throw new DeviceValidationException([$"Device {id} does not exist."]);
        }

        var type = types.Get(device.DeviceType);
        var errors = new List<string>(DeviceParameters.Validate(type, parameters));
        errors.AddRange(ValidateInterval(interval));
        if (name is not null)
        {
            errors.AddRange(ValidateName(name));
        }

        if (errors.Count > 0)
        {
            throw new DeviceValidationException(errors);
        }

        var validated = DeviceParameters.Create(type, parameters);
        var json = JsonSerializer.Serialize(validated.Values, _json);
        var newName = name?.Trim() ?? device.Name;
        var now = timeProvider.GetUtcNow();
        await using (var context = await contexts.CreateDbContextAsync(cancellationToken))
        {
            await context.Devices.Where(d => d.Id == id).ExecuteUpdateAsync(
                s => s.SetProperty(d => d.IntervalMs, (int)interval.TotalMilliseconds)
                    .SetProperty(d => d.ParametersJson, json)
                    .SetProperty(d => d.Name, newName)
                    .SetProperty(d => d.UpdatedAt, now),
                cancellationToken);
        }

        device.IntervalMs = (int)interval.TotalMilliseconds;
        device.ParametersJson = json;
        device.Name = newName;
        device.UpdatedAt = now;
        scheduler.Configure(id, interval, validated, newName);
        liveFeed.NotifyFleetChanged();
    }

    public async Task<int> CreateSiteAsync(string name, double latitude, double longitude, double cloudiness, long? seed = null, CancellationToken cancellationToken = default)
    {
        var errors = SiteSettings.Validate(name, latitude, longitude, cloudiness);
        if (errors.Count > 0)
        {
            throw new DeviceValidationException(errors);
        }

        var site = new SiteEntity
        {
            Name = name.Trim(),
            Latitude = latitude,
            Longitude = longitude,
            Cloudiness = cloudiness,
            Seed = seed ?? Random.Shared.NextInt64(),
            CreatedAt = timeProvider.GetUtcNow(),
        };
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        context.Sites.Add(site);
        await context.SaveChangesAsync(cancellationToken);
        _sites[site.Id] = site;
        scheduler.UpsertSite(site.Id, ToSettings(site));
        liveFeed.NotifyFleetChanged();
        return site.Id;
    }

    /// <summary>Changes a site's location or weather; its devices follow from their next tick.</summary>
    public async Task UpdateSiteAsync(int id, string name, double latitude, double longitude, double cloudiness, CancellationToken cancellationToken = default)
    {
        if (!_sites.TryGetValue(id, out var site))
        {
            throw new DeviceValidationException([$"Site {id} does not exist."]);
        }

        var errors = SiteSettings.Validate(name, latitude, longitude, cloudiness);
        if (errors.Count > 0)
        {
            throw new DeviceValidationException(errors);
        }

        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var trimmed = name.Trim();
        await context.Sites.Where(s => s.Id == id).ExecuteUpdateAsync(
            s => s.SetProperty(x => x.Name, trimmed).SetProperty(x => x.Latitude, latitude)
                .SetProperty(x => x.Longitude, longitude).SetProperty(x => x.Cloudiness, cloudiness),
            cancellationToken);
        site.Name = trimmed;
        site.Latitude = latitude;
        site.Longitude = longitude;
        site.Cloudiness = cloudiness;
        scheduler.UpsertSite(id, ToSettings(site));
        liveFeed.NotifyFleetChanged();
    }

    /// <summary>Writes the scheduler's counters back to the database (periodically and at shutdown).</summary>
    public async Task FlushCountersAsync(CancellationToken cancellationToken = default)
    {
        var changed = new List<DeviceConfig>();
        foreach (var info in scheduler.GetAllInfo())
        {
            if (_devices.TryGetValue(info.Id, out var device) && device.ReadingsCount != info.ReadingsCount)
            {
                device.ReadingsCount = info.ReadingsCount;
                device.LastReadingAt = info.LastTickAt ?? device.LastReadingAt;
                changed.Add(device);
            }
        }

        if (changed.Count == 0)
        {
            return;
        }

        await SaveCountersAsync(changed, cancellationToken);
    }

    /// <summary>
    /// Counters are flushed every few seconds, so after a crash the stored ones miss the readings stored since
    /// the last flush. Adds those (counted from the stored rows, not guessed) and writes the result back at once,
    /// so the next start counts from the new mark and never twice.
    /// </summary>
    private async Task ReconcileCountersAsync(IReadOnlyList<DeviceConfig> devices, CancellationToken cancellationToken)
    {
        if (devices.Count == 0)
        {
            return;
        }

        var since = await queries.StoredSinceLastFlushAsync(cancellationToken);
        var changed = new List<DeviceConfig>();
        foreach (var device in devices)
        {
            if (since.TryGetValue(device.Id, out var missed) && missed.Count > 0)
            {
                device.ReadingsCount += missed.Count;
                device.LastReadingAt = missed.Last;
                changed.Add(device);
            }
        }

        if (changed.Count > 0)
        {
            await SaveCountersAsync(changed, cancellationToken);
            LogCountersReconciled(changed.Count, changed.Sum(d => since[d.Id].Count));
        }
    }

    private async Task SaveCountersAsync(IReadOnlyList<DeviceConfig> changed, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        await WriteCountersAsync(context, changed, cancellationToken);
    }

    /// <summary>
    /// The counters of many devices in one statement round: SQLite — one prepared UPDATE executed per device
    /// inside one transaction (one commit, one write lock); PostgreSQL — one <c>UPDATE … FROM unnest(…)</c>.
    /// A device deleted in the meantime simply matches no row. No change tracking.
    /// </summary>
    internal static async Task WriteCountersAsync(IotDbContext context, IReadOnlyList<DeviceConfig> changed, CancellationToken cancellationToken)
    {
        var connection = context.Database.GetDbConnection();
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            if (context.Provider == DatabaseProvider.Postgres)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = """
                    UPDATE device_configs AS d SET readings_count = u.count, last_reading_at = COALESCE(u.at, d.last_reading_at)
                    FROM unnest(@ids, @counts, @times) AS u(id, count, at) WHERE d.id = u.id
                    """;
                command.Parameters.Add(new Npgsql.NpgsqlParameter<int[]>("ids", [.. changed.Select(d => d.Id)]));
                command.Parameters.Add(new Npgsql.NpgsqlParameter<long[]>("counts", [.. changed.Select(d => d.ReadingsCount)]));
                command.Parameters.Add(new Npgsql.NpgsqlParameter<DateTime?[]>("times", [.. changed.Select(d => d.LastReadingAt?.UtcDateTime)])
                {
                    NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz,
                });
                await command.ExecuteNonQueryAsync(cancellationToken);
                return;
            }

            // Microsoft.Data.Sqlite's async methods run synchronously: use the sync API and do not pretend.
            using var transaction = connection.BeginTransaction();
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE device_configs SET readings_count = $count, last_reading_at = COALESCE($at, last_reading_at) WHERE id = $id";
            var id = update.CreateParameter();
            id.ParameterName = "$id";
            var count = update.CreateParameter();
            count.ParameterName = "$count";
            var at = update.CreateParameter();
            at.ParameterName = "$at";
            update.Parameters.Add(id);
            update.Parameters.Add(count);
            update.Parameters.Add(at);
            update.Prepare();
            foreach (var device in changed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                id.Value = device.Id;
                count.Value = device.ReadingsCount;
                at.Value = device.LastReadingAt is { } time ? time.ToUnixTimeMilliseconds() : DBNull.Value;
                update.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    private async Task SetStatusAsync(IEnumerable<int> ids, DeviceStatus status, CancellationToken cancellationToken)
    {
        var known = ids.Where(_devices.ContainsKey).Distinct().ToList();
        if (known.Count == 0)
        {
            return;
        }

        await using (var context = await contexts.CreateDbContextAsync(cancellationToken))
        {
            foreach (var chunk in known.Chunk(500))
            {
                await context.Devices.Where(d => chunk.Contains(d.Id))
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.Status, status), cancellationToken);
            }
        }

        foreach (var id in known)
        {
            _devices[id].Status = status;
            _ = status == DeviceStatus.Running ? scheduler.Start(id) : scheduler.Stop(id);
        }

        liveFeed.NotifyFleetChanged();
    }

    private async Task DeleteReadingsAsync(IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var chunk in ids.Chunk(100))
        {
            int deleted;
            do
            {
                var batch = context.Measurements.Where(m => chunk.Contains(m.DeviceId)).OrderBy(m => m.Id).Select(m => m.Id).Take(20_000);
                deleted = await context.Measurements.Where(m => batch.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken);
            }
            while (deleted > 0);
        }
    }

    internal static IEnumerable<string> ValidateName(string? name)
    {
        if (Validation.NameRules.Error(name) is { } error)
        {
            yield return error;
        }
    }

    internal static IEnumerable<string> ValidateInterval(TimeSpan interval)
    {
        if (interval < SimulationOptions.MinimumInterval || interval > SimulationOptions.MaximumInterval)
        {
            yield return "Interval must be between 100 ms and 1 hour.";
        }
    }

    private DeviceView ToView(DeviceConfig device, DeviceRuntimeInfo? info)
    {
        var site = device.SiteId is { } siteId ? _sites.GetValueOrDefault(siteId) : null;
        return new DeviceView(
            device.Id,
            device.ExternalId,
            device.Name,
            device.DeviceType,
            device.SiteId,
            site?.Name,
            TimeSpan.FromMilliseconds(device.IntervalMs),
            ReadParameters(device.ParametersJson),
            info?.Running ?? false,
            info?.ReadingsCount ?? device.ReadingsCount,
            info?.LastTickAt ?? device.LastReadingAt,
            device.CreatedAt,
            device.Seed,
            info?.LastError);
    }

    private DeviceDefinition ToDefinition(DeviceConfig device, IDeviceType type)
    {
        var stored = ReadParameters(device.ParametersJson);

        // Parameters a newer version of the type no longer knows are ignored rather than failing the load.
        var known = stored.Where(p => type.Parameters.Any(d => d.Key == p.Key) && type.Parameters.First(d => d.Key == p.Key).Validate(p.Value) is null)
            .ToDictionary(p => p.Key, p => p.Value);
        return new DeviceDefinition(device.Id, device.ExternalId, device.Name, type, device.SiteId,
            TimeSpan.FromMilliseconds(device.IntervalMs), DeviceParameters.Create(type, known), device.Seed);
    }

    // Parsed once per stored JSON text (keyed by the string instance, which changes when the parameters do).
    private static IReadOnlyDictionary<string, double> ReadParameters(string json) =>
        _parsedParameters.GetValue(json, static text => JsonSerializer.Deserialize<Dictionary<string, double>>(text, _json) ?? []);

    private static SiteSettings ToSettings(SiteEntity site) => new(site.Name, site.Latitude, site.Longitude, site.Cloudiness, site.Seed);

    private static SiteView ToView(SiteEntity site) => new(site.Id, site.Name, site.Latitude, site.Longitude, site.Cloudiness, site.Seed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} has unknown type '{Type}' and is not loaded")]
    private partial void LogUnknownType(int deviceId, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counters of {Devices} devices were behind their stored readings (an unclean stop); added {Readings} readings")]
    private partial void LogCountersReconciled(int devices, long readings);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Count} devices, {Running} running")]
    private partial void LogLoaded(int count, int running);
}
