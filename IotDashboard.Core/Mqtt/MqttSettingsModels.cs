namespace IotDashboard.Core.Mqtt;

/// <summary>
/// The settings as the UI may see them: no password, key or PFX (only whether one is stored) and summaries of
/// the certificates.
/// </summary>
public sealed record MqttSettingsView(
    MqttOptions Settings,
    bool HasPassword,
    bool HasClientPfxPassword,
    bool HasClientKey,
    CertificateSummary? CaCertificate,
    CertificateSummary? ClientCertificate,
    bool FromDatabase,
    string? Problem);

/// <summary>
/// A change from the settings form. <see cref="Settings"/> carries the plain fields (its secret fields are
/// ignored); every secret and upload is null to keep what is stored.
/// </summary>
public sealed class MqttSettingsUpdate
{
    public required MqttOptions Settings { get; init; }

    /// <summary>A new password; null keeps the stored one.</summary>
    public string? NewPassword { get; init; }

    public bool ClearPassword { get; init; }

    /// <summary>An uploaded CA bundle (PEM).</summary>
    public string? CaCertificatePem { get; init; }

    public bool RemoveCaCertificate { get; init; }

    /// <summary>An uploaded client certificate (PEM) with <see cref="ClientKeyPem"/>.</summary>
    public string? ClientCertificatePem { get; init; }

    public string? ClientKeyPem { get; init; }

    /// <summary>An uploaded PKCS#12 client certificate with <see cref="ClientPfxPassword"/>.</summary>
    public byte[]? ClientPfx { get; init; }

    public string? ClientPfxPassword { get; init; }

    public bool RemoveClientCertificate { get; init; }
}
