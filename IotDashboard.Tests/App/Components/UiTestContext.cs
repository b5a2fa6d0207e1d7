using System.Security.Claims;
using Bunit;
using Bunit.TestDoubles;
using IotDashboard.App.Security;
using IotDashboard.Core.Devices;
using IotDashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Services;

namespace IotDashboard.Tests.App.Components;

/// <summary>
/// A bUnit context for MudBlazor components: transitions off, loose JS interop (Plotly, MudBlazor), an interactive
/// Server renderer and a patient wait timeout. Disposed asynchronously: some MudBlazor services are only
/// IAsyncDisposable.
/// </summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    protected MudTestContext()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(15); // CI machines are slow
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
            options.PopoverOptions.CheckForPopoverProvider = false;
        });
    }

    public virtual Task InitializeAsync()
    {
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true)); // after the last service is added
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync() => await CleanUpAsync();

    protected virtual async Task CleanUpAsync()
    {
        await DisposeComponentsAsync();
        await DisposeAsync();
    }
}

/// <summary>
/// <see cref="MudTestContext"/> with the real Core services of <see cref="AppHostServices"/> (SQLite in a temp
/// folder) behind the components, instead of mocks.
/// </summary>
public abstract class UiTestContext : MudTestContext
{
    protected AppHostServices Host { get; private set; } = null!;

    /// <summary>Who is signed in: the host's administrator unless a test calls <see cref="SignInAsViewer"/>.</summary>
    protected BunitAuthorizationContext Auth { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        Host = await AppHostServices.StartAsync();
        Host.AddTo(Services);
        Auth = AddAuthorization();
        Auth.SetAuthorized(AppHostServices.AdminName);
        Auth.SetRoles(AppRoles.Admin);
        Auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, Host.AdminId));
        await base.InitializeAsync();
    }

    /// <summary>Signs the test in as the host's viewer instead (call before rendering).</summary>
    protected void SignInAsViewer()
    {
        Auth.SetAuthorized(AppHostServices.ViewerName);
        Auth.SetRoles(AppRoles.Viewer);
        Auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, Host.ViewerId));
    }

    protected override async Task CleanUpAsync()
    {
        await base.CleanUpAsync();
        await Host.DisposeAsync();
    }

    /// <summary>Delivers a reading through the real feed, as the pipeline would, and flushes the notifications now.</summary>
    protected async Task PushReadingAsync(int deviceId, string typeId, params double[] values)
    {
        var type = Host.Devices.Types.Get(typeId);
        var full = new double[type.Series.Count];
        values.CopyTo(full, 0);
        await Host.Feed.WriteAsync([new Measurement { DeviceId = deviceId, DeviceType = typeId, Timestamp = DateTimeOffset.UtcNow, Values = full }], CancellationToken.None);
        Host.Feed.Flush();
    }

    /// <summary>Renders the MudBlazor providers that dialogs, menus and popovers need; dialogs appear in the one returned.</summary>
    protected IRenderedComponent<MudDialogProvider> RenderProviders()
    {
        Render<MudPopoverProvider>();
        Render<MudSnackbarProvider>();
        return Render<MudDialogProvider>();
    }
}
