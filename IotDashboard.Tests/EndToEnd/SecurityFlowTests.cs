using IotDashboard.App.Security;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Playwright;

namespace IotDashboard.Tests.EndToEnd;

/// <summary>Headless Chromium under the app's real Content-Security-Policy, as an administrator and as a viewer.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SecurityFlowTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions _slow = new() { Timeout = 30_000 };

    private readonly AppHostFactory _app = new(seedDemo: true);
    private IBrowserContext _context = null!;

    public async Task InitializeAsync()
    {
        await _app.CreateUserAsync("viewer", AppRoles.Viewer);
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _app.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _app.DisposeAsync();
    }

    [BrowserFact]
    public async Task EveryPage_RunsUnderTheCsp_WithoutViolations()
    {
        var page = await _context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase) || message.Text.Contains("Refused to", StringComparison.Ordinal))
            {
                violations.Add($"{page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => violations.Add($"{page.Url}: page error {error}");

        await page.GotoAsync("/Account/Login");
        await AppHostFactory.SignInAsync(page);
        foreach (var (path, heading) in new[] { ("/", "Dashboard"), ("/devices", "Devices"), ("/devices/1", "Roof PV"), ("/data", "Data"), ("/settings", "Settings"), ("/users", "Users") })
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync(_slow);
            if (path is "/" or "/devices/1")
            {
                await Assertions.Expect(page.Locator("[data-testid=live-chart] .main-svg").First).ToBeVisibleAsync(_slow); // Plotly drew without eval
            }

            await page.WaitForTimeoutAsync(1_000);
        }

        await page.GotoAsync("/Account/Logout");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync("**/Account/Login", new() { Timeout = 30_000 });

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [BrowserFact]
    public async Task Viewer_SeesEverything_ButNoAdminControls()
    {
        var page = await _context.NewPageAsync();
        await AppHostFactory.SignInAsync(page, "viewer");

        await page.GotoAsync("/devices");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Roof PV" })).ToBeVisibleAsync(_slow);
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "New device" }).CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true }).CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).CountAsync());
        await Assertions.Expect(page.Locator("[data-testid=signed-in-user]")).ToContainTextAsync("viewer (Viewer)");

        await page.GotoAsync("/users");
        await Assertions.Expect(page.Locator("[data-testid=access-denied]")).ToBeVisibleAsync(_slow);
    }
}
