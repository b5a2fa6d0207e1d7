using IotDashboard.App.Api;
using IotDashboard.App.Model;
using MudBlazor;
using MudBlazor.Services;

namespace IotDashboard.App;

internal static class UiServiceExtensions
{
    public static WebApplicationBuilder AddIotDashboardUi(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            options.SnackbarConfiguration.VisibleStateDuration = 4000;
        });
        builder.Services.AddScoped<BrowserTime>();
        builder.Services.AddScoped<DeviceCommands>();
        return builder;
    }

    public static WebApplication UseIotDashboardUi(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }

        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapReadingsApi();
        app.MapRazorComponents<Components.App>().AddInteractiveServerRenderMode();
        return app;
    }
}
