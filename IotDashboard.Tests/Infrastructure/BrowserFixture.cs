using Microsoft.Playwright;

namespace IotDashboard.Tests.Infrastructure;

/// <summary>
/// Debian's headless Chromium driven by Playwright (no browser download: there is no internet). One browser per
/// test collection. Without Chromium the browser tests are skipped on a developer machine, but fail under CI=true.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static bool ChromiumInstalled => File.Exists(ChromiumPath);

    public async Task InitializeAsync()
    {
        if (!ChromiumInstalled)
        {
            if (IsCi)
            {
                throw new InvalidOperationException($"Chromium is required under CI but {ChromiumPath} is missing: apt-get install -y chromium.");
            }

            return; // the tests themselves are skipped (see BrowserFactAttribute)
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>A browser test: skipped when Chromium is missing on a developer machine, never under CI=true (it fails there).</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (!BrowserFixture.ChromiumInstalled && !BrowserFixture.IsCi)
        {
            Skip = $"Chromium is not installed at {BrowserFixture.ChromiumPath} (apt-get install -y chromium).";
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
