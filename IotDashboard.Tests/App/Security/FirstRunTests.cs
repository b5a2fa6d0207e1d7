using System.Net;
using IotDashboard.App.Security;
using IotDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace IotDashboard.Tests.App.Security;

/// <summary>No Auth:AdminUser configured and an empty database: the first-run page creates the administrator, once.</summary>
public sealed class FirstRunTests : IAsyncLifetime
{
    private readonly AppHostFactory _app = new(seedDemo: false, configureAdmin: false);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task FirstRun_CreatesTheAdministrator_ThenClosesForGood()
    {
        using var client = _app.CreateCookieClient();

        // Signing in without any account leads to the first-run page.
        var login = await client.GetAsync(new Uri("/Account/Login", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/Account/Setup", login.Headers.Location!.IsAbsoluteUri ? login.Headers.Location.AbsolutePath : login.Headers.Location.OriginalString);

        // A bad form says what is allowed and stores nothing.
        var bad = await PostSetupAsync(client, "ad min<script>", "short");
        var badHtml = WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, bad.StatusCode);
        Assert.Contains("User name must be 1–64 characters", badHtml, StringComparison.Ordinal);
        Assert.Contains("Password must be 10–128 characters.", badHtml, StringComparison.Ordinal);
        Assert.Equal(0, await UserCountAsync());

        // The real one: created as an administrator and signed in.
        var created = await PostSetupAsync(client, "owner", "a long first password");
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/users", UriKind.Relative))).StatusCode); // admins only

        // Closed for good: for the next visitor, and for a form that was loaded before.
        using var stranger = _app.CreateCookieClient();
        var again = await stranger.GetStringAsync(new Uri("/Account/Setup", UriKind.Relative));
        Assert.Contains("data-testid=\"setup-closed\"", again, StringComparison.Ordinal);
        Assert.DoesNotContain("<form", again, StringComparison.Ordinal);
        var replay = await PostSetupAsync(stranger, "intruder", "another long password", fetchToken: "/Account/Login");
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Equal(1, await UserCountAsync());
    }

    private async Task<HttpResponseMessage> PostSetupAsync(HttpClient client, string userName, string password, string fetchToken = "/Account/Setup")
    {
        var token = await AppHostFactory.AntiforgeryTokenAsync(client, fetchToken);
        return await client.PostAsync(new Uri("/Account/Setup", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "setup",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        }));
    }

    private async Task<int> UserCountAsync()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>().Users.Count();
    }
}
