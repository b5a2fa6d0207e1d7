using IotDashboard.App.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace IotDashboard.App.Components.Layout;

public sealed partial class MainLayout
{
    private bool _isDarkMode = true; // dark by default; the browser remembers a switch to light
    private bool _drawerOpen = true;

    [Inject] public required IJSRuntime JS { get; init; }

    [Inject] public required BrowserTime BrowserTime { get; init; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        await BrowserTime.InitializeAsync(JS);
        try
        {
            if (await JS.InvokeAsync<string?>("iotDashboard.getTheme") == "light")
            {
                _isDarkMode = false;
                StateHasChanged();
            }
        }
        catch (JSException)
        {
            // No storage (private mode, blocked): keep the default.
        }
    }

    private void ToggleDrawer() => _drawerOpen = !_drawerOpen;

    private async Task ToggleThemeAsync()
    {
        _isDarkMode = !_isDarkMode;
        try
        {
            await JS.InvokeVoidAsync("iotDashboard.setTheme", _isDarkMode ? "dark" : "light");
        }
        catch (JSException)
        {
            // Not remembered, but switched for this visit.
        }
    }
}
