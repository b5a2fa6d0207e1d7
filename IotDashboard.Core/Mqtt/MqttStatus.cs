namespace IotDashboard.Core.Mqtt;

public enum MqttConnectionState
{
    Stopped,
    Connecting,
    Connected,

    /// <summary>Lost or not reachable; retrying with back-off.</summary>
    Disconnected,

    /// <summary>The broker refused the credentials or certificate (CONNACK 4/5); not retrying until the settings change.</summary>
    Refused,
}

/// <summary>One connection at one moment, for the status view.</summary>
public sealed record MqttConnectionStatus(
    string Name,
    string ClientId,
    MqttConnectionState State,
    long Queued,
    long Published,
    long Failed,
    long Dropped,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    DateTimeOffset? LastPublishAt,
    DateTimeOffset? ConnectedSince);

/// <summary>Everything the UI shows about MQTT: a summary and every connection.</summary>
public sealed record MqttStatusSnapshot(
    bool Enabled,
    MqttMode Mode,
    CumulocitySessionMode SessionMode,
    string Endpoint,
    int Connections,
    int Connected,
    long Queued,
    long Published,
    long Failed,
    long Dropped,
    string? LastError,
    DateTimeOffset? LastPublishAt,
    IReadOnlyList<MqttConnectionStatus> Details)
{
    public static readonly MqttStatusSnapshot Disabled = new(false, MqttMode.Cumulocity, CumulocitySessionMode.PerDevice, "", 0, 0, 0, 0, 0, 0, null, null, []);

    /// <summary>Every connection up (and at least one).</summary>
    public bool AllConnected => Connections > 0 && Connected == Connections;

    public int Refused => Details.Count(d => d.State == MqttConnectionState.Refused);
}

/// <summary>The answer of "Test connection".</summary>
public sealed record MqttTestResult(bool Success, string Message, TimeSpan Elapsed);
