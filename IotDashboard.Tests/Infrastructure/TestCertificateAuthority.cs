using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>A client certificate issued for a test: PEM files for tools and brokers, and a loaded certificate for .NET.</summary>
/// <param name="CommonName">The subject CN; Mosquitto's <c>use_identity_as_username</c> makes it the MQTT user name.</param>
/// <param name="CertificatePemPath">The certificate, PEM.</param>
/// <param name="PrivateKeyPemPath">The unencrypted PKCS#8 private key, PEM.</param>
/// <param name="Pkcs12Path">Certificate and key as PKCS#12 without a password.</param>
/// <param name="Certificate">The certificate with its private key, usable by SslStream.</param>
public sealed record ClientCertificate(
    string CommonName,
    string CertificatePemPath,
    string PrivateKeyPemPath,
    string Pkcs12Path,
    X509Certificate2 Certificate);

/// <summary>
/// A certificate authority for tests that writes everything it issues as world-readable files, because a broker
/// started as root reads them after dropping to its own user.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private const UnixFileMode ReadableFile =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly Oid _serverAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid _clientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly string _directory;
    private readonly X509Certificate2 _authority;
    private readonly List<X509Certificate2> _issued = [];
    private readonly Lock _lock = new();

    public TestCertificateAuthority(string directory, string name = "IotDashboard Test CA")
    {
        _directory = directory;
        Directory.CreateDirectory(directory);

        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        // Back-dated a day so that clock skew between the certificate and the broker never matters.
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _authority = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        Certificate = X509CertificateLoader.LoadCertificate(_authority.RawData);
        CertificatePath = Path.Combine(directory, "ca.crt");
        WriteFile(CertificatePath, Certificate.ExportCertificatePem());
    }

    /// <summary>The CA certificate without its private key: the trust anchor for clients and brokers.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePath { get; }

    /// <summary>Issues a TLS server certificate; returns the PEM certificate and key paths.</summary>
    public (string CertificatePemPath, string PrivateKeyPemPath) IssueServerCertificate(
        string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> ipAddresses)
    {
        var alternativeNames = new SubjectAlternativeNameBuilder();
        foreach (string dnsName in dnsNames)
        {
            alternativeNames.AddDnsName(dnsName);
        }

        foreach (IPAddress address in ipAddresses)
        {
            alternativeNames.AddIpAddress(address);
        }

        (string certificatePath, string keyPath, _, _) =
            Issue(commonName, "server", _serverAuthentication, alternativeNames.Build());
        return (certificatePath, keyPath);
    }

    /// <summary>Issues a TLS client certificate whose subject is CN=<paramref name="commonName"/>.</summary>
    public ClientCertificate IssueClientCertificate(string commonName)
    {
        (string certificatePath, string keyPath, string pkcs12Path, X509Certificate2 certificate) =
            Issue(commonName, "client", _clientAuthentication, alternativeNames: null);
        return new ClientCertificate(commonName, certificatePath, keyPath, pkcs12Path, certificate);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (X509Certificate2 certificate in _issued)
            {
                certificate.Dispose();
            }

            _issued.Clear();
        }

        Certificate.Dispose();
        _authority.Dispose();
    }

    private (string CertificatePath, string KeyPath, string Pkcs12Path, X509Certificate2 Certificate) Issue(
        string commonName, string role, Oid usage, X509Extension? alternativeNames)
    {
        using RSA key = RSA.Create(2048);
        var subject = new X500DistinguishedName($"CN={commonName}");
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, true, false));
        if (alternativeNames is not null)
        {
            request.CertificateExtensions.Add(alternativeNames);
        }

        byte[] serialNumber = RandomNumberGenerator.GetBytes(16);
        serialNumber[0] &= 0x7F;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 issued = request.Create(_authority, now.AddDays(-1), _authority.NotAfter.AddDays(-1), serialNumber);
        using X509Certificate2 withKey = issued.CopyWithPrivateKey(key);

        // Unique stems, so the same common name can be issued twice in one run.
        string stem = Path.Combine(_directory, $"{role}-{Sanitize(commonName)}-{Convert.ToHexString(serialNumber, 0, 4).ToLowerInvariant()}");
        string certificatePath = $"{stem}.crt";
        string keyPath = $"{stem}.key";
        string pkcs12Path = $"{stem}.p12";
        WriteFile(certificatePath, issued.ExportCertificatePem());
        WriteFile(keyPath, key.ExportPkcs8PrivateKeyPem());

        // An ephemeral key from CopyWithPrivateKey does not work with SslStream on every platform; a reloaded
        // PKCS#12 does.
        byte[] pkcs12 = withKey.Export(X509ContentType.Pkcs12);
        File.WriteAllBytes(pkcs12Path, pkcs12);
        TestEnvironment.SetUnixFileMode(pkcs12Path, ReadableFile);
        X509Certificate2 loaded = X509CertificateLoader.LoadPkcs12(pkcs12, password: null);
        lock (_lock)
        {
            _issued.Add(loaded);
        }

        return (certificatePath, keyPath, pkcs12Path, loaded);
    }

    private static string Sanitize(string commonName)
    {
        return new string([.. commonName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
    }

    private static void WriteFile(string path, string contents)
    {
        File.WriteAllText(path, contents);
        TestEnvironment.SetUnixFileMode(path, ReadableFile);
    }
}
