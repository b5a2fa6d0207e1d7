using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotDashboard.Core.Mqtt;

/// <summary>Builds MQTTnet client options (MQTT 3.1.1, clean session, TLS, credentials, last will).</summary>
internal static class MqttClientSetup
{
    public static MqttClientOptions Build(
        MqttOptions options, string clientId, X509Certificate2Collection? clientCertificates, X509Certificate2Collection? ca,
        TlsDiagnostics diagnostics, bool lastWill)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.EffectivePort)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId)
            .WithCleanSession()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10));

        if (!string.IsNullOrEmpty(options.Username))
        {
            builder.WithCredentials(options.Username, options.Password ?? string.Empty);
        }

        if (lastWill)
        {
            builder.WithWillTopic(SmartRest.UpTopic)
                .WithWillPayload(SmartRest.LastWillPayload)
                .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        }

        if (options.UseTls)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls();
                tls.WithTargetHost(options.Host);
                if (clientCertificates is { Count: > 0 })
                {
                    tls.WithClientCertificates(clientCertificates);
                }

                var allowUntrusted = options.AllowUntrustedServerCertificate;
                tls.WithCertificateValidationHandler(e => MqttCertificates.ValidateServer(e.Certificate, e.Chain, e.SslPolicyErrors, ca, allowUntrusted, diagnostics));
            });
        }

        return builder.Build();
    }

    /// <summary>CONNACK codes of MQTT 3.1.1 as numbers, as brokers and Cumulocity's documentation name them.</summary>
    public static int? ConnackNumber(MqttClientConnectResultCode code) => code switch
    {
        MqttClientConnectResultCode.Success => 0,
        MqttClientConnectResultCode.UnsupportedProtocolVersion => 1,
        MqttClientConnectResultCode.ClientIdentifierNotValid => 2,
        MqttClientConnectResultCode.ServerUnavailable => 3,
        MqttClientConnectResultCode.BadUserNameOrPassword => 4,
        MqttClientConnectResultCode.NotAuthorized => 5,
        _ => null,
    };

    /// <summary>Bad credentials or not authorised: retrying will not help until the settings change.</summary>
    public static bool IsRefusal(MqttClientConnectResultCode code) =>
        code is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.Banned
            or MqttClientConnectResultCode.ClientIdentifierNotValid or MqttClientConnectResultCode.BadAuthenticationMethod;

    public static string DescribeConnack(MqttClientConnectResult result)
    {
        var text = result.ResultCode switch
        {
            MqttClientConnectResultCode.UnsupportedProtocolVersion => "unacceptable protocol version",
            MqttClientConnectResultCode.ClientIdentifierNotValid => "client identifier rejected",
            MqttClientConnectResultCode.ServerUnavailable => "server unavailable, retrying later",
            MqttClientConnectResultCode.BadUserNameOrPassword => "bad user name or password",
            MqttClientConnectResultCode.NotAuthorized => "not authorised",
            var other => other.ToString(),
        };
        var number = ConnackNumber(result.ResultCode);
        return (number is { } n ? $"CONNACK {n}: " : "CONNACK: ") + text
            + (string.IsNullOrEmpty(result.ReasonString) ? "" : $" ({result.ReasonString})");
    }

    /// <summary>A failed connect or publish in words a user can act on.</summary>
    public static string DescribeException(Exception exception, TlsDiagnostics diagnostics, MqttOptions options)
    {
        var endpoint = $"{options.Host}:{options.EffectivePort}";
        if (diagnostics.Failure is { } tls)
        {
            return $"TLS handshake failed: {tls}";
        }

        // OpenSSL's TLS alerts from the broker say exactly what it disliked about the client's certificate.
        for (var e = exception; e is not null && options.UseTls; e = e.InnerException)
        {
            if (e.Message.Contains("certificate required", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("alert bad certificate", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("alert unknown ca", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("certificate expired", StringComparison.OrdinalIgnoreCase))
            {
                return ClosedDuringTls(options, endpoint) + " (broker: " + e.Message.Split("::").Last().Trim() + ")";
            }
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return $"Connection refused by {endpoint}: is the broker running, and is the port right?";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return $"Host '{options.Host}' not found.";
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return $"Timed out connecting to {endpoint}.";
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown or SocketError.NotConnected } when options.UseTls:
                    return ClosedDuringTls(options, endpoint);
                case SocketException socket:
                    return $"Network error talking to {endpoint}: {socket.SocketErrorCode}.";
                case AuthenticationException authentication:
                    return "TLS handshake failed: " + TlsText(authentication, options);
                case MqttCommunicationTimedOutException:
                    return $"Timed out waiting for the broker at {endpoint} to answer.";
            }
        }

        if (options.UseTls && exception is MqttCommunicationException && exception.InnerException is IOException or null)
        {
            return ClosedDuringTls(options, endpoint);
        }

        if (exception is MqttCommunicationException && exception.InnerException is IOException or null)
        {
            return $"The broker at {endpoint} closed the connection" + (options.UseTls ? "." : "; does the port expect TLS?");
        }

        return exception.GetBaseException().Message;
    }

    private static string ClosedDuringTls(MqttOptions options, string endpoint) =>
        $"The broker at {endpoint} closed the connection during the TLS handshake"
        + (MqttCertificates.HasClientCertificate(options)
            ? ": it did not accept the client certificate (is it signed by a CA the broker trusts?)."
            : ": it requires a client certificate (mutual TLS); none is configured.");

    private static string TlsText(AuthenticationException exception, MqttOptions options)
    {
        var message = exception.Message;
        return message.Contains("frame", StringComparison.OrdinalIgnoreCase) || message.Contains("unexpected", StringComparison.OrdinalIgnoreCase)
            ? $"the broker at {options.Host}:{options.EffectivePort} did not answer as a TLS server (is this a plain MQTT port?)"
            : message.TrimEnd('.');
    }
}
