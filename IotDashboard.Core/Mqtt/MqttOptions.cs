using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace IotDashboard.Core.Mqtt;

public enum MqttMode
{
    /// <summary>Cumulocity IoT SmartREST 2.0: devices registered, measurements, alarms, events and operations.</summary>
    Cumulocity,

    /// <summary>JSON per reading to a topic template; works with any broker.</summary>
    Generic,
}

public enum CumulocitySessionMode
{
    /// <summary>One MQTT session per simulated device (client ID <c>d:&lt;externalId&gt;</c>).</summary>
    PerDevice,

    /// <summary>One session for the installation; every device is a child (<c>101</c>) publishing on <c>s/us/&lt;childId&gt;</c>.</summary>
    Gateway,
}

/// <summary>
/// MQTT publishing (section <c>Mqtt</c>). These are the defaults from appsettings.json / environment variables;
/// settings saved in the UI are stored in the database and take precedence. Secrets here are plain text (use
/// environment variables); secrets saved in the UI are stored protected with ASP.NET Data Protection.
/// </summary>
public sealed class MqttOptions
{
    public const string SectionName = "Mqtt";
    public const string DefaultTopicTemplate = "iot/{type}/{deviceId}/measurements";

    public bool Enabled { get; set; }

    public MqttMode Mode { get; set; } = MqttMode.Cumulocity;

    public CumulocitySessionMode CumulocitySessionMode { get; set; } = CumulocitySessionMode.PerDevice;

    [MaxLength(253)]
    public string Host { get; set; } = "localhost";

    /// <summary>0 = the default for <see cref="UseTls"/>: 8883 with TLS, 1883 without.</summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    public bool UseTls { get; set; }

    /// <summary>PEM file of the CA(s) that sign the broker's certificate; empty = the system trust store.</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>Client certificate (PEM) with <see cref="ClientKeyPath"/>, for gateway and generic sessions.</summary>
    public string? ClientCertificatePath { get; set; }

    public string? ClientKeyPath { get; set; }

    /// <summary>Client certificate and key as PKCS#12, instead of the PEM pair.</summary>
    public string? ClientPfxPath { get; set; }

    public string? ClientPfxPassword { get; set; }

    /// <summary>Per-device sessions: a folder of <c>&lt;externalId&gt;.crt</c> / <c>&lt;externalId&gt;.key</c> (PEM).</summary>
    public string? DeviceCertificateFolder { get; set; }

    /// <summary>Cumulocity: <c>&lt;tenantId&gt;/&lt;user&gt;</c>. Empty = no user name (certificate login).</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Gateway mode: the gateway's own device identifier (its client ID is <c>d:&lt;GatewayId&gt;</c>).</summary>
    [RegularExpression("^[^:/+#\\s,\"]{1,100}$", ErrorMessage = "Mqtt:GatewayId must be 1–100 characters without ':', '/', '+', '#', ',', quotes or spaces.")]
    public string GatewayId { get; set; } = "iotdashboard-gateway";

    /// <summary>Generic mode: <c>{type}</c> (device type id) and <c>{deviceId}</c> (external id) are replaced.</summary>
    [MaxLength(500)]
    public string TopicTemplate { get; set; } = DefaultTopicTemplate;

    [Range(0, 2)]
    public int Qos { get; set; } = 1;

    /// <summary>Messages each connection keeps on disk while its broker is away; beyond it the oldest are dropped (and counted).</summary>
    [Range(100, 50_000_000)]
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>Folder of the store-and-forward queues; relative paths are relative to the appsettings.json in use.</summary>
    public string QueuePath { get; set; } = "data/mqtt-queue";

    /// <summary>Folder of the Data Protection keys that protect the stored secrets (relative like <see cref="QueuePath"/>).</summary>
    public string KeysPath { get; set; } = "data/keys";

    /// <summary>TESTING ONLY: accept any broker certificate. The UI shows a warning while this is on.</summary>
    public bool AllowUntrustedServerCertificate { get; set; }

    [Range(5, 3600)]
    public int KeepAliveSeconds { get; set; } = 30;

    /// <summary>SmartREST <c>117</c>: minutes without data after which Cumulocity marks the device unavailable.</summary>
    [Range(0, 100_000)]
    public int RequiredIntervalMinutes { get; set; } = 10;

    [Range(100, 600_000)]
    public int ReconnectMinDelayMs { get; set; } = 1000;

    [Range(1000, 3_600_000)]
    public int ReconnectMaxDelayMs { get; set; } = 60_000;

    // Certificates uploaded in the UI (stored in the database); they take precedence over the paths above.
    [JsonIgnore]
    public string? CaCertificatePem { get; set; }

    [JsonIgnore]
    public string? ClientCertificatePem { get; set; }

    [JsonIgnore]
    public string? ClientKeyPem { get; set; }

    [JsonIgnore]
    public byte[]? ClientPfx { get; set; }

    [JsonIgnore]
    public int EffectivePort => Port != 0 ? Port : UseTls ? 8883 : 1883;

    public MqttOptions Clone()
    {
        var copy = (MqttOptions)MemberwiseClone();
        copy.ClientPfx = ClientPfx?.ToArray();
        return copy;
    }

    /// <summary>Rules across fields; data annotations cover the single fields.</summary>
    public IEnumerable<string> ValidateCombination()
    {
        if (Enabled && string.IsNullOrWhiteSpace(Host))
        {
            yield return "Broker host must be set.";
        }

        if (ReconnectMaxDelayMs < ReconnectMinDelayMs)
        {
            yield return "The maximum reconnect delay must not be below the minimum.";
        }

        if (Mode == MqttMode.Generic && !TopicTemplate.Contains("{deviceId}", StringComparison.Ordinal))
        {
            yield return "The topic template must contain {deviceId}, e.g. " + DefaultTopicTemplate + ".";
        }

        if (TopicTemplate.IndexOfAny(['+', '#']) >= 0)
        {
            yield return "The topic template must not contain the wildcards '+' or '#'.";
        }

        if (!string.IsNullOrEmpty(ClientCertificatePath) != !string.IsNullOrEmpty(ClientKeyPath))
        {
            yield return "A PEM client certificate needs both the certificate and the key file.";
        }
    }
}
