using System.Net;
using System.Text.RegularExpressions;
using IotDashboard.App.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>
/// The real app on a real port (Kestrel), with its own SQLite file in a temp folder, for browser tests. The
/// configuration is read eagerly in Program, so overrides go in as host settings. Unless told otherwise it
/// configures the first administrator (<see cref="AdminName"/>) and has helpers to sign in over HTTP or in a browser.
/// </summary>
public sealed partial class AppHostFactory : WebApplicationFactory<Program>
{
    public const string AdminName = "admin";
    public const string Password = "correct horse battery";

    private readonly string _folder = Directory.CreateTempSubdirectory("iotdashboard-e2e-").FullName;
    private readonly bool _seedDemo;
    private readonly bool _configureAdmin;

    public AppHostFactory(bool seedDemo = true, bool configureAdmin = true)
    {
        _seedDemo = seedDemo;
        _configureAdmin = configureAdmin;
        this.UseKestrel(0);
    }

    public string DatabasePath => Path.Combine(_folder, "iotdashboard.db");

    /// <summary>Starts the server once; the address a browser opens.</summary>
    public Uri BaseAddress
    {
        get
        {
            StartServer();
            return ClientOptions.BaseAddress;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development"); // static web assets are served from the projects in Development
        builder.UseSetting("Database:Provider", "Sqlite");
        builder.UseSetting("Database:ConnectionString", $"Data Source={DatabasePath}");
        builder.UseSetting("Simulation:SeedDemo", _seedDemo ? "true" : "false");
        builder.UseSetting("Simulation:ResumeOnStart", "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        if (_configureAdmin)
        {
            builder.UseSetting("Auth:AdminUser", AdminName);
            builder.UseSetting("Auth:AdminPassword", Password);
        }
    }

    /// <summary>A client that keeps cookies and does not follow redirects (tests look at them).</summary>
    public HttpClient CreateCookieClient() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() }) { BaseAddress = BaseAddress };

    /// <summary>Signs in through the real form (antiforgery token included); the client then carries the cookie.</summary>
    public async Task<HttpClient> CreateSignedInClientAsync(string userName = AdminName, string password = Password)
    {
        var client = CreateCookieClient();
        var response = await PostLoginAsync(client, userName, password);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"sign-in as {userName}: {response.StatusCode}");
        return client;
    }

    /// <summary>Posts the sign-in form as a browser would.</summary>
    public static async Task<HttpResponseMessage> PostLoginAsync(HttpClient client, string userName, string password, string returnUrl = "")
    {
        var path = "/Account/Login" + (returnUrl.Length > 0 ? "?ReturnUrl=" + Uri.EscapeDataString(returnUrl) : string.Empty);
        var token = await AntiforgeryTokenAsync(client, path);
        return await client.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = userName,
            ["Input.Password"] = password,
        }));
    }

    /// <summary>The antiforgery token of the form on <paramref name="path"/> (its cookie lands in the client).</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string path)
    {
        var html = await client.GetStringAsync(new Uri(path, UriKind.Relative));
        return TokenPattern().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException($"No antiforgery token on {path}.");
    }

    /// <summary>Creates a user with <see cref="Password"/> in <paramref name="role"/>; returns the id.</summary>
    public async Task<string> CreateUserAsync(string userName, string role = AppRoles.Viewer)
    {
        StartServer();
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        var user = new IdentityUser(userName);
        var result = await users.CreateAsync(user, Password);
        Assert.True(result.Succeeded, string.Join(" ", result.Errors.Select(e => e.Description)));
        await users.AddToRoleAsync(user, role);
        return user.Id;
    }

    /// <summary>Signs a browser page in through the sign-in form and waits for the dashboard.</summary>
    public static async Task SignInAsync(IPage page, string userName = AdminName, string password = Password)
    {
        await page.GotoAsync("/Account/Login");
        await page.Locator("#username").FillAsync(userName);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/Account/", StringComparison.Ordinal), new() { Timeout = 30_000 });
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle); // the redirect's page is fully there, nothing pending
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        TryDelete();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        TryDelete();
    }

    private void TryDelete()
    {
        try
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open at exit stays in the temp folder; harmless.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
