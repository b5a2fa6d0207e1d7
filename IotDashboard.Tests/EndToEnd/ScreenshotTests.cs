using IotDashboard.Tests.Infrastructure;
using Microsoft.Playwright;

namespace IotDashboard.Tests.EndToEnd;

/// <summary>
/// The README's screenshot: the demo site's dashboard with live data, taken in headless Chromium. Every run takes
/// it (and checks it shows a drawn chart); UPDATE_README_SCREENSHOT=1 writes it to docs/dashboard.png, and
/// SCREENSHOT_DIR=folder also saves every page at 1400 and 390 px for a look.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ScreenshotTests(BrowserFixture browser)
{
    [BrowserFact]
    public async Task Dashboard_WithDemoSite_SavesReadmeScreenshot()
    {
        await using var app = new AppHostFactory(seedDemo: true);
        var baseAddress = app.BaseAddress;
        var extra = Environment.GetEnvironmentVariable("SCREENSHOT_DIR");

        foreach (var (width, height) in new[] { (1400, 1000), (390, 844) })
        {
            await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
            {
                ViewportSize = new ViewportSize { Width = width, Height = height },
                BaseURL = baseAddress.ToString(),
            });
            var page = await context.NewPageAsync();
            await AppHostFactory.SignInAsync(page);
            await page.GotoAsync("/");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Level = 1 })).ToBeVisibleAsync(new() { Timeout = 30_000 });

            // Live data: the demo's devices tick every 2 s; wait until the chart has a few points.
            await Assertions.Expect(page.Locator("[data-testid=live-chart] .main-svg").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await page.WaitForTimeoutAsync(7_000);

            var png = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = false });
            Assert.True(png.Length > 10_000, "a dashboard with content, not a blank page");
            if (width == 1400 && Environment.GetEnvironmentVariable("UPDATE_README_SCREENSHOT") == "1")
            {
                var path = Path.Combine(RepositoryRoot(), "docs", "dashboard.png");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await File.WriteAllBytesAsync(path, png);
            }

            if (!string.IsNullOrEmpty(extra))
            {
                foreach (var route in new[] { "/", "/devices", "/devices/1", "/data", "/settings" })
                {
                    await page.GotoAsync(route);
                    await page.WaitForTimeoutAsync(3_000);
                    var name = route == "/" ? "dashboard" : route.Trim('/').Replace('/', '-');
                    await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(extra, $"{name}-{width}.png"), FullPage = true });
                }
            }
        }
    }

    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "IotDashboard.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("Repository root not found.");
    }
}
