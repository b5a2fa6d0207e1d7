using IotDashboard.App.Api;
using IotDashboard.App.Model;
using IotDashboard.App.Security;
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
        app.UseSecurityHeaders();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }

        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets().AllowAnonymous(); // scripts and styles, also for the sign-in page; nothing private
        app.MapHealthChecks("/health").AllowAnonymous(); // liveness for load balancers and compose: says "Healthy", nothing else
        app.MapReadingsApi();
        // Every page: signed in (fallback policy) unless [AllowAnonymous]. frame-ancestors is in our own CSP already.
        app.MapRazorComponents<Components.App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }
}
