using IotDashboard.Core.Storage;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace IotDashboard.App.Security;

internal static class SecurityServiceExtensions
{
    public const string LoginPath = "/Account/Login";
    public const string AccessDeniedPath = "/Account/AccessDenied";

    /// <summary>
    /// Sign-in with ASP.NET Core Identity (users and roles in the app's database, cookie sessions), the Admin and
    /// Viewer policies, a fallback policy that makes every endpoint require a signed-in user unless it says
    /// otherwise, and the admin gate the UI goes through. Call after AddIotDashboardCore.
    /// </summary>
    public static WebApplicationBuilder AddIotDashboardSecurity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = LoginPath;
            options.LogoutPath = "/Account/Logout";
            options.AccessDeniedPath = AccessDeniedPath;
            options.Cookie.Name = "IotDashboard.Auth";
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax; // Strict would drop the session on links from other sites; forms carry antiforgery tokens
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            // APIs answer with status codes, pages with a redirect to the sign-in page.
            options.Events.OnRedirectToLogin = context => StatusOrRedirect(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => StatusOrRedirect(context, StatusCodes.Status403Forbidden);
        });
        // A role taken away or a deleted user ends cookie sessions within a minute (circuits: see the revalidating provider).
        services.Configure<SecurityStampValidatorOptions>(options => options.ValidationInterval = TimeSpan.FromMinutes(1));

        services.AddIotDashboardIdentityStores();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(AppRoles.AdminPolicy, policy => policy.RequireRole(AppRoles.Admin))
            .AddPolicy(AppRoles.ViewerPolicy, policy => policy.RequireRole(AppRoles.Admin, AppRoles.Viewer));

        services.AddScoped<AdminGate>();
        services.AddScoped<AdminActions>();
        services.AddScoped<MqttAdminActions>();
        services.AddScoped<UserAdministration>();
        services.AddHostedService<IdentitySeeder>(); // after the database initializer (registered by Core)
        services.AddHealthChecks();
        return builder;
    }

    /// <summary>
    /// Identity's user and role stores on <see cref="IotDbContext"/>, with the password, user-name and lockout rules.
    /// Shared with the tests' host. Identity's stores want a scoped context: it comes from the pooled factory.
    /// </summary>
    public static IServiceCollection AddIotDashboardIdentityStores(this IServiceCollection services)
    {
        services.AddDataProtection(); // reset-password tokens (the app has it already through authentication)
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<IotDbContext>>().CreateDbContext());
        services.AddIdentityCore<IdentityUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = false; // no e-mail here: an admin creates accounts
                options.User.AllowedUserNameCharacters = UserRules.AllowedUserNameCharacters;
                options.User.RequireUniqueEmail = false;
                // Length over composition rules (NIST SP 800-63B).
                options.Password.RequiredLength = UserRules.MinPasswordLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = UserRules.MinUniqueCharacters;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(5);
                options.Lockout.AllowedForNewUsers = true;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<IotDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        return services;
    }

    private static Task StatusOrRedirect(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (IsApi(context.Request))
        {
            // A bare status for API clients, not the not-found page the status-code pages would put in.
            context.HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>()?.Enabled = false;
            context.Response.StatusCode = status;
        }
        else
        {
            context.Response.Redirect(context.RedirectUri);
        }

        return Task.CompletedTask;
    }

    private static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase);
}
