using MudBlazor;

namespace IotDashboard.App.Components.Layout;

/// <summary>The one theme: MudBlazor's defaults with an energy-dashboard accent, in dark and light.</summary>
internal static class AppTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#1565c0",
            Secondary = "#f9a825",
            AppbarBackground = "#1565c0",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#64b5f6",
            Secondary = "#ffd54f",
            Background = "#121418",
            Surface = "#1c1f26",
            AppbarBackground = "#1c1f26",
            DrawerBackground = "#181b21",
        },
    };
}
