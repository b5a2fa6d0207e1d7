using System.Globalization;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Playwright;

namespace IotDashboard.Tests.EndToEnd;

/// <summary>The dashboard in real headless Chromium against the real app: everything after the first load arrives over the circuit.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DashboardFlowTests(BrowserFixture browser) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions _slow = new() { Timeout = 30_000 };

    private readonly AppHostFactory _app = new(seedDemo: true);
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _app.BaseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            AcceptDownloads = true,
        });
        _page = await _context.NewPageAsync();
        await AppHostFactory.SignInAsync(_page);
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _app.DisposeAsync();
    }

    [BrowserFact]
    public async Task CreateStartWatchStopDelete_AllOverTheCircuit()
    {
        if (new Uri(_page.Url).AbsolutePath != "/")
        {
            await _page.GotoAsync("/"); // signing in lands on the dashboard already; loading it twice races the first circuit
        }

        await Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Dashboard", Level = 1 })).ToBeVisibleAsync(_slow);
        await Assertions.Expect(_page.Locator("[data-testid=live-chart] .main-svg").First).ToBeVisibleAsync(_slow); // plotly.js is loaded
        await _page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        // From here on, nothing but the circuit's WebSocket may talk to the server.
        var requests = new List<string>();
        var console = new List<string>();
        _page.Request += (_, request) => requests.Add($"{request.Method} {request.Url} ({request.ResourceType}{(request.IsNavigationRequest ? ", navigation" : "")}, page at {_page.Url})");
        _page.Console += (_, message) => console.Add($"[{message.Type}] {message.Text}");

        await _page.GetByRole(AriaRole.Link, new() { Name = "Devices" }).First.ClickAsync();
        await Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Devices", Level = 1 })).ToBeVisibleAsync(_slow);
        await _page.GetByRole(AriaRole.Button, new() { Name = "New device" }).ClickAsync();
        var dialog = _page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog.GetByText("Solar PV parameters")).ToBeVisibleAsync(_slow); // PV is the first type
        await dialog.Locator("input[data-testid=new-device-name]").FillAsync("E2E PV");
        await dialog.Locator("input[data-testid=new-device-interval]").FillAsync("300");
        await dialog.GetByText("Start right away").ClickAsync(); // created stopped, started below
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();

        var row = _page.Locator("tr", new() { Has = _page.GetByRole(AriaRole.Link, new() { Name = "E2E PV", Exact = true }) });
        await Assertions.Expect(row).ToBeVisibleAsync(_slow);
        await Assertions.Expect(row.Locator("[data-testid=device-status]")).ToContainTextAsync("Stopped");
        var readings = row.Locator("[data-testid=device-readings]");
        await Assertions.Expect(readings).ToHaveTextAsync("0");

        await row.GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Assertions.Expect(row.Locator("[data-testid=device-status]")).ToContainTextAsync("Running", new() { Timeout = 30_000 });

        // The count moves on screen with no reload.
        var first = await WaitForCountAboveAsync(readings, 0);
        await WaitForCountAboveAsync(readings, first);

        await row.GetByRole(AriaRole.Button, new() { Name = "Stop", Exact = true }).ClickAsync();
        await Assertions.Expect(row.Locator("[data-testid=device-status]")).ToContainTextAsync("Stopped", new() { Timeout = 30_000 });

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        var confirm = _page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(confirm).ToContainTextAsync("Delete \"E2E PV\"");
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Assertions.Expect(row).ToHaveCountAsync(0, new() { Timeout = 30_000 });

        // The browser fetches the tab icon whenever it likes; that is not the app talking to the server.
        var appRequests = requests.Where(r => !r.Contains("/favicon.png ", StringComparison.Ordinal)).ToList();
        Assert.True(appRequests.Count == 0, "HTTP requests after the page had loaded: " + string.Join(", ", appRequests)
            + "; browser console: " + string.Join(" | ", console));
    }

    [BrowserFact]
    public async Task DataView_FilterAndDownloadCsv_ContainsTheFilteredRows()
    {
        // The demo runs every 2 s: wait until some heat-pump readings are stored.
        await _page.GotoAsync("/data");
        await Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Data", Level = 1 })).ToBeVisibleAsync(_slow);
        await Task.Delay(TimeSpan.FromSeconds(7));

        await _page.Locator("[data-testid=filter-type]").ClickAsync();
        await _page.GetByRole(AriaRole.Option, new() { Name = "Heat pump" }).ClickAsync();
        await Assertions.Expect(_page.Locator("[data-testid=match-count]")).ToContainTextAsync("readings match", _slowText);
        var rows = _page.Locator("[data-testid=readings-grid] tbody tr");
        await Assertions.Expect(rows.First).ToContainTextAsync("Heat pump", _slowText);

        var download = await _page.RunAndWaitForDownloadAsync(() => _page.GetByRole(AriaRole.Button, new() { Name = "Export CSV" }).ClickAsync());
        var path = await download.PathAsync();
        var lines = (await File.ReadAllLinesAsync(path)).Where(l => l.Length > 0).ToList();

        Assert.StartsWith("timestamp,device_id,device_name,device_type,power", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Count > 1, "the CSV has rows");
        Assert.All(lines.Skip(1), line => Assert.Equal("heatpump", line.Split(',')[3]));
        Assert.Contains("heat_output", lines[0], StringComparison.Ordinal); // the type's own series
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
    }

    private static readonly LocatorAssertionsToContainTextOptions _slowText = new() { Timeout = 30_000 };

    private static async Task<long> WaitForCountAboveAsync(ILocator locator, long above)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var text = (await locator.TextContentAsync())?.Trim() ?? "0";
            if (long.TryParse(text, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var value) && value > above)
            {
                return value;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The value did not rise above {above} within 30 s.");
    }
}
