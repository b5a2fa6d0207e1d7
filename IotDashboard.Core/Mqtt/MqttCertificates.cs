using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IotDashboard.Core.Mqtt;

/// <summary>What the UI shows about a certificate.</summary>
public sealed record CertificateSummary(string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter, bool HasPrivateKey, int Count)
{
    public override string ToString() =>
        $"{Subject} (issued by {Issuer}, valid until {NotAfter:yyyy-MM-dd}){(Count > 1 ? $", +{Count - 1} more in the chain" : "")}";
}

/// <summary>A certificate that could not be read; the message says why in the user's terms.</summary>
public sealed class CertificateException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Loads CA bundles and client certificates (PEM pair or PKCS#12) with readable errors.</summary>
public static class MqttCertificates
{
    public const int MaxUploadBytes = 64 * 1024;

    /// <summary>Reads every certificate of a PEM bundle (or a single DER certificate).</summary>
    public static X509Certificate2Collection ParseCertificates(string pemOrDerText, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            if (pemOrDerText.Contains("-----BEGIN", StringComparison.Ordinal))
            {
                collection.ImportFromPem(pemOrDerText);
            }
        }
        catch (CryptographicException ex)
        {
            throw new CertificateException($"{what}: the PEM text is not a valid certificate ({ex.Message.TrimEnd('.')}).", ex);
        }

        if (collection.Count == 0)
        {
            throw new CertificateException(pemOrDerText.Contains("PRIVATE KEY", StringComparison.Ordinal)
                ? $"{what}: this is a private key, not a certificate."
                : $"{what}: no certificate found; expected PEM text starting with -----BEGIN CERTIFICATE-----.");
        }

        return collection;
    }

    public static CertificateSummary Summarize(X509Certificate2Collection certificates)
    {
        var leaf = certificates[0];
        return new CertificateSummary(leaf.Subject, leaf.Issuer, leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(), leaf.HasPrivateKey, certificates.Count);
    }

    /// <summary>A client certificate from a PEM certificate (optionally followed by its chain) and a PEM private key.</summary>
    public static X509Certificate2Collection LoadPemPair(string certificatePem, string keyPem, string what = "Client certificate")
    {
        var chain = ParseCertificates(certificatePem, what);
        X509Certificate2 withKey;
        try
        {
            using var leaf = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // SslStream needs a key it can use on every platform: round-trip through PKCS#12.
            withKey = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException ex)
        {
            throw new CertificateException(
                keyPem.Contains("ENCRYPTED", StringComparison.Ordinal)
                    ? $"{what}: the private key is encrypted; provide it unencrypted or use a PFX with a password."
                    : $"{what}: the private key does not belong to the certificate or cannot be read ({ex.Message.TrimEnd('.')}).",
                ex);
        }
        catch (ArgumentException ex)
        {
            throw new CertificateException($"{what}: no private key found in the key text.", ex);
        }

        var result = new X509Certificate2Collection(withKey);
        for (var i = 1; i < chain.Count; i++)
        {
            result.Add(chain[i]);
        }

        return result;
    }

    public static X509Certificate2Collection LoadPfx(byte[] pfx, string? password, string what = "Client certificate (PFX)")
    {
        try
        {
            var collection = X509CertificateLoader.LoadPkcs12Collection(pfx, password);
            var leaf = collection.FirstOrDefault(c => c.HasPrivateKey)
                ?? throw new CertificateException($"{what}: the file holds no certificate with a private key.");
            var result = new X509Certificate2Collection(leaf);
            foreach (var other in collection.Where(c => !ReferenceEquals(c, leaf)))
            {
                result.Add(other);
            }

            return result;
        }
        catch (CryptographicException ex)
        {
            throw new CertificateException($"{what}: cannot be opened — wrong password or not a PKCS#12 file ({ex.Message.TrimEnd('.')}).", ex);
        }
    }

    /// <summary>The trust anchors for the broker's certificate, or null for the system trust store.</summary>
    public static X509Certificate2Collection? LoadCa(MqttOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.CaCertificatePem))
        {
            return ParseCertificates(options.CaCertificatePem, "CA certificate");
        }

        return string.IsNullOrWhiteSpace(options.CaCertificatePath)
            ? null
            : ParseCertificates(ReadText(options.CaCertificatePath, "CA certificate"), "CA certificate");
    }

    /// <summary>The installation's client certificate (gateway, generic mode, or per-device without a folder), or null.</summary>
    public static X509Certificate2Collection? LoadClient(MqttOptions options)
    {
        if (options.ClientPfx is { Length: > 0 } pfx)
        {
            return LoadPfx(pfx, options.ClientPfxPassword);
        }

        if (!string.IsNullOrWhiteSpace(options.ClientCertificatePem) && !string.IsNullOrWhiteSpace(options.ClientKeyPem))
        {
            return LoadPemPair(options.ClientCertificatePem, options.ClientKeyPem);
        }

        if (!string.IsNullOrWhiteSpace(options.ClientPfxPath))
        {
            return LoadPfx(ReadBytes(options.ClientPfxPath, "Client certificate (PFX)"), options.ClientPfxPassword);
        }

        return !string.IsNullOrWhiteSpace(options.ClientCertificatePath) && !string.IsNullOrWhiteSpace(options.ClientKeyPath)
            ? LoadPemPair(ReadText(options.ClientCertificatePath, "Client certificate"), ReadText(options.ClientKeyPath, "Client key"))
            : null;
    }

    /// <summary>Per-device sessions with a certificate folder: <c>&lt;externalId&gt;.crt</c> and <c>.key</c>; the CN must be the external id.</summary>
    public static X509Certificate2Collection? LoadDevice(MqttOptions options, string externalId)
    {
        if (string.IsNullOrWhiteSpace(options.DeviceCertificateFolder))
        {
            return LoadClient(options);
        }

        var certificatePath = Path.Combine(options.DeviceCertificateFolder, externalId + ".crt");
        var keyPath = Path.Combine(options.DeviceCertificateFolder, externalId + ".key");
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            throw new CertificateException($"No certificate for {externalId}: expected {externalId}.crt and {externalId}.key in {options.DeviceCertificateFolder}.");
        }

        return LoadPemPair(File.ReadAllText(certificatePath), File.ReadAllText(keyPath), $"Certificate of {externalId}");
    }

    /// <summary>
    /// Validates the broker's certificate: against the given CA (custom root trust) or the system store, always
    /// with the host name; records why it failed for the error message. Only the explicit testing setting skips it.
    /// </summary>
    public static bool ValidateServer(
        X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection? ca, bool allowUntrusted, TlsDiagnostics diagnostics)
    {
        if (allowUntrusted)
        {
            return true;
        }

        if (certificate is null)
        {
            diagnostics.Failure = "the broker sent no certificate";
            return false;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            diagnostics.Failure = $"certificate name mismatch: the broker's certificate is for {certificate.Subject}, not for this host name";
            return false;
        }

        if (ca is null)
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            diagnostics.Failure = "certificate not trusted" + ChainText(chain);
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (custom.Build(leaf))
        {
            return true;
        }

        diagnostics.Failure = "certificate not trusted by the configured CA" + ChainText(custom);
        return false;
    }

    /// <summary>Whether a client certificate is configured (for error messages); never throws.</summary>
    public static bool HasClientCertificate(MqttOptions options) =>
        options.ClientPfx is { Length: > 0 } || !string.IsNullOrWhiteSpace(options.ClientCertificatePem)
        || !string.IsNullOrWhiteSpace(options.ClientPfxPath) || !string.IsNullOrWhiteSpace(options.ClientCertificatePath)
        || !string.IsNullOrWhiteSpace(options.DeviceCertificateFolder);

    private static string ChainText(X509Chain? chain)
    {
        var statuses = chain?.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToList();
        return statuses is { Count: > 0 } ? $" ({string.Join(", ", statuses)})" : string.Empty;
    }

    private static string ReadText(string path, string what) => File.Exists(path)
        ? File.ReadAllText(path)
        : throw new CertificateException($"{what}: file {path} does not exist.");

    private static byte[] ReadBytes(string path, string what) => File.Exists(path)
        ? File.ReadAllBytes(path)
        : throw new CertificateException($"{what}: file {path} does not exist.");
}

/// <summary>Why a TLS handshake failed, recorded by the validation callback (the exception alone does not say).</summary>
public sealed class TlsDiagnostics
{
    public string? Failure { get; set; }
}

