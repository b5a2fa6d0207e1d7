using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using IotDashboard.Core.Storage;
using IotDashboard.Core.Storage.Entities;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace IotDashboard.Core.Mqtt;

/// <summary>
/// MQTT settings saved in the UI, in <c>app_settings</c> under <c>mqtt.*</c>: the plain settings as JSON, and each
/// secret (password, client key, PFX and its password) as its own row, protected with ASP.NET Data Protection.
/// Without saved settings the configuration (appsettings.json, environment) applies.
/// </summary>
public sealed class MqttSettingsStore(
    IDbContextFactory<IotDbContext> contexts,
    IOptions<MqttOptions> defaults,
    IDataProtectionProvider protection,
    TimeProvider time)
{
    public const string SettingsKey = "mqtt.settings";
    public const string PasswordKey = "mqtt.secret.password";
    public const string PfxPasswordKey = "mqtt.secret.pfx_password";
    public const string ClientKeyKey = "mqtt.secret.client_key";
    public const string PfxKey = "mqtt.secret.client_pfx";
    public const string CaKey = "mqtt.ca_certificate";
    public const string ClientCertificateKey = "mqtt.client_certificate";

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly IDataProtector _protector = protection.CreateProtector("IotDashboard.Mqtt.Secrets.v1");

    /// <summary>The effective settings, secrets included (in memory only). <see cref="LoadResult.Problem"/> says what could not be read.</summary>
    public async Task<LoadResult> LoadAsync(CancellationToken cancellationToken = default)
    {
        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await context.Settings.AsNoTracking().Where(s => s.Key.StartsWith("mqtt.")).ToDictionaryAsync(s => s.Key, s => s.Value, cancellationToken);
        if (!rows.TryGetValue(SettingsKey, out var json))
        {
            return new LoadResult(defaults.Value.Clone(), false, null);
        }

        var options = JsonSerializer.Deserialize<MqttOptions>(json, _json) ?? defaults.Value.Clone();
        string? problem = null;
        options.Password = Unprotect(rows, PasswordKey, ref problem) ?? defaults.Value.Password;
        options.ClientPfxPassword = Unprotect(rows, PfxPasswordKey, ref problem) ?? defaults.Value.ClientPfxPassword;
        options.ClientKeyPem = Unprotect(rows, ClientKeyKey, ref problem);
        options.ClientPfx = Unprotect(rows, PfxKey, ref problem) is { } pfx ? Convert.FromBase64String(pfx) : null;
        options.CaCertificatePem = rows.GetValueOrDefault(CaKey);
        options.ClientCertificatePem = rows.GetValueOrDefault(ClientCertificateKey);
        return new LoadResult(options, true, problem);
    }

    /// <summary>Saves the settings with their secrets; a null secret removes its row.</summary>
    public async Task SaveAsync(MqttOptions options, CancellationToken cancellationToken = default)
    {
        var plain = options.Clone();
        plain.Password = null;
        plain.ClientPfxPassword = null;
        var values = new Dictionary<string, string?>
        {
            [SettingsKey] = JsonSerializer.Serialize(plain, _json),
            [PasswordKey] = Protect(options.Password),
            [PfxPasswordKey] = Protect(options.ClientPfxPassword),
            [ClientKeyKey] = Protect(options.ClientKeyPem),
            [PfxKey] = Protect(options.ClientPfx is { } pfx ? Convert.ToBase64String(pfx) : null),
            [CaKey] = string.IsNullOrWhiteSpace(options.CaCertificatePem) ? null : options.CaCertificatePem,
            [ClientCertificateKey] = string.IsNullOrWhiteSpace(options.ClientCertificatePem) ? null : options.ClientCertificatePem,
        };

        await using var context = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await context.Settings.Where(s => s.Key.StartsWith("mqtt.")).ToDictionaryAsync(s => s.Key, cancellationToken);
        var now = time.GetUtcNow();
        foreach (var (key, value) in values)
        {
            var row = existing.GetValueOrDefault(key);
            if (value is null)
            {
                if (row is not null)
                {
                    context.Settings.Remove(row);
                }
            }
            else if (row is null)
            {
                context.Settings.Add(new AppSetting { Key = key, Value = value, UpdatedAt = now });
            }
            else
            {
                row.Value = value;
                row.UpdatedAt = now;
            }
        }

        await context.SaveChangesAsync(cancellationToken);
    }

    private string? Protect(string? secret) => string.IsNullOrEmpty(secret) ? null : _protector.Protect(secret);

    private string? Unprotect(Dictionary<string, string> rows, string key, ref string? problem)
    {
        if (!rows.TryGetValue(key, out var value))
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(value);
        }
        catch (CryptographicException)
        {
            // The Data Protection keys changed (another machine, a lost key folder): the secret must be entered again.
            problem = "A stored secret could not be decrypted (the Data Protection keys changed); enter the password and keys again.";
            return null;
        }
    }

    public sealed record LoadResult(MqttOptions Options, bool FromDatabase, string? Problem);
}
