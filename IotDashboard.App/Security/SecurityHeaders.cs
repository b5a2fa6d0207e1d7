using System.Security.Cryptography;

namespace IotDashboard.App.Security;

/// <summary>
/// Headers on every response. The Content-Security-Policy allows what this app uses and nothing else:
/// scripts from this origin only, plus the one inline script Blazor renders (the import map), admitted by a
/// per-request nonce; styles from this origin and inline (MudBlazor and Plotly set style attributes and
/// inject style elements); images from this origin, data: and blob: (Plotly's icons and PNG export); the
/// circuit's WebSocket to this host. No eval: Blazor Server, MudBlazor and the Plotly bundle run without it
/// (an end-to-end test fails on any CSP violation in the browser console).
/// </summary>
internal static class SecurityHeaders
{
    private const string NonceKey = "IotDashboard.CspNonce";

    /// <summary>The nonce the current response's CSP admits for inline scripts.</summary>
    public static string? Nonce(HttpContext? context) => context?.Items[NonceKey] as string;

    public static string Policy(string nonce) => string.Join("; ",
        "default-src 'self'",
        $"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'");

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        context.Items[NonceKey] = nonce;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy(nonce);
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY"; // for browsers that predate frame-ancestors
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
        return next(context);
    });
}
