using System.Net;
using IotDashboard.App.Security;
using IotDashboard.Tests.Infrastructure;

namespace IotDashboard.Tests.App.Security;

/// <summary>The real app over HTTP: sign-in, lockout, who may fetch which endpoint, antiforgery, security headers.</summary>
public sealed class HttpSecurityTests : IAsyncLifetime
{
    private readonly AppHostFactory _app = new(seedDemo: false);

    public Task InitializeAsync() => _app.CreateUserAsync("viewer");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/devices")]
    [InlineData("/devices/1")]
    [InlineData("/data")]
    [InlineData("/settings")]
    [InlineData("/users")]
    [InlineData("/not-a-page")]
    [InlineData("/_blazor/negotiate?negotiateVersion=1")]
    public async Task Anonymous_EveryPage_RedirectsToSignIn(string path)
    {
        using var client = _app.CreateCookieClient();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/Account/Login", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_CircuitHub_IsRefused()
    {
        using var client = _app.CreateCookieClient();

        var response = await client.PostAsync(new Uri("/_blazor/negotiate?negotiateVersion=1", UriKind.Relative), null);

        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CsvExport_Anonymous401_Viewer200_Admin200()
    {
        var csv = new Uri("/api/readings.csv", UriKind.Relative);
        using var anonymous = _app.CreateCookieClient();
        using var viewer = await _app.CreateSignedInClientAsync("viewer");
        using var admin = await _app.CreateSignedInClientAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(csv)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(csv)).StatusCode); // viewers see everything
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(csv)).StatusCode);
    }

    [Fact]
    public async Task UsersPage_Viewer403_Admin200()
    {
        using var viewer = await _app.CreateSignedInClientAsync("viewer");
        using var admin = await _app.CreateSignedInClientAsync();

        var refused = await viewer.GetAsync(new Uri("/users", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith(SecurityServiceExtensions.AccessDeniedPath, refused.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri("/users", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Health_IsAnonymous_AndSaysNothingButHealthy()
    {
        using var client = _app.CreateCookieClient();

        var response = await client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SignIn_RightPassword_OpensTheDashboard_SignOut_EndsIt()
    {
        using var client = _app.CreateCookieClient();

        var response = await AppHostFactory.PostLoginAsync(client, AppHostFactory.AdminName, AppHostFactory.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.OriginalString.Replace(_app.BaseAddress.ToString(), "/", StringComparison.Ordinal));
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("IotDashboard.Auth=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);

        var token = await AppHostFactory.AntiforgeryTokenAsync(client, "/Account/Logout");
        var signOut = await client.PostAsync(new Uri("/Account/Logout", UriKind.Relative), Form(("_handler", "logout"), ("__RequestVerificationToken", token)));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task SignIn_WrongPassword_SaysSo_AndSetsNoCookie()
    {
        using var client = _app.CreateCookieClient();

        var response = await AppHostFactory.PostLoginAsync(client, AppHostFactory.AdminName, "not the password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Wrong user name or password.", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("IotDashboard.Auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SignIn_FiveWrongPasswords_LockTheAccount_EvenForTheRightPassword()
    {
        await _app.CreateUserAsync("victim");
        using var client = _app.CreateCookieClient();
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var wrong = await AppHostFactory.PostLoginAsync(client, "victim", $"guess number {attempt}");
            Assert.Contains("Wrong user name or password.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var fifth = await AppHostFactory.PostLoginAsync(client, "victim", "guess number 5");
        var right = await AppHostFactory.PostLoginAsync(client, "victim", AppHostFactory.Password);

        Assert.Contains("locked for 5 minutes", await fifth.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode); // no redirect: not signed in
        Assert.Contains("locked for 5 minutes", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Another account is not affected.
        Assert.Equal(HttpStatusCode.Redirect, (await AppHostFactory.PostLoginAsync(_app.CreateCookieClient(), "viewer", AppHostFactory.Password)).StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/steal")]
    [InlineData("https://evil.example/steal")]
    [InlineData("/\\evil.example")]
    [InlineData("javascript:alert(1)")]
    public async Task SignIn_ReturnUrlToAnotherSite_GoesHomeInstead(string returnUrl)
    {
        using var client = _app.CreateCookieClient();

        var response = await AppHostFactory.PostLoginAsync(client, AppHostFactory.AdminName, AppHostFactory.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal("/", location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString);
        Assert.True(!location.IsAbsoluteUri || location.Host == _app.BaseAddress.Host);
    }

    [Fact]
    public async Task SignInForm_WithoutAntiforgeryToken_IsRejected()
    {
        using var client = _app.CreateCookieClient();

        var response = await client.PostAsync(new Uri("/Account/Login", UriKind.Relative),
            Form(("_handler", "login"), ("Input.UserName", AppHostFactory.AdminName), ("Input.Password", AppHostFactory.Password)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("IotDashboard.Auth=", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FirstRunPage_IsClosed_WhenAUserExists()
    {
        using var client = _app.CreateCookieClient();

        var page = await client.GetAsync(new Uri("/Account/Setup", UriKind.Relative));

        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(UserAdministration.FirstRunClosedMessage.Replace("'", "&#x27;", StringComparison.Ordinal)[..30], html, StringComparison.Ordinal);
        Assert.DoesNotContain("__RequestVerificationToken", html, StringComparison.Ordinal); // no form to post
    }

    [Theory]
    [InlineData("/Account/Login")]
    [InlineData("/")]
    [InlineData("/app.css")]
    [InlineData("/health")]
    [InlineData("/api/readings.csv")]
    public async Task SecurityHeaders_OnEveryResponse(string path)
    {
        using var client = _app.CreateCookieClient();

        var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self' ws: wss:", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe-inline'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
    }

    [Fact]
    public async Task ImportMap_CarriesTheNonceOfItsOwnResponse()
    {
        using var client = _app.CreateCookieClient();

        var response = await client.GetAsync(new Uri("/Account/Login", UriKind.Relative));

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains($"<script type=\"importmap\" nonce=\"{nonce}\">", html, StringComparison.Ordinal);
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
}
