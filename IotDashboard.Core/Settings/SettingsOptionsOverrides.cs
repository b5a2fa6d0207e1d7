using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace IotDashboard.Core.Settings;

/// <summary>
/// Applies the values saved on the Settings page on top of appsettings.json, and tells
/// <see cref="IOptionsMonitor{TOptions}"/> to rebuild when they change (retention picks up a new period at its next run).
/// </summary>
internal sealed class SettingsOptionsOverrides(AppSettingsStore store) :
    IPostConfigureOptions<SimulationOptions>,
    IPostConfigureOptions<StorageOptions>,
    IOptionsChangeTokenSource<SimulationOptions>,
    IOptionsChangeTokenSource<StorageOptions>
{
    public string Name => Options.DefaultName;

    public void PostConfigure(string? name, SimulationOptions options)
    {
        options.DefaultIntervalMs = store.GetInt(AppSettingsStore.DefaultIntervalKey) ?? options.DefaultIntervalMs;
        options.ResumeOnStart = store.GetBool(AppSettingsStore.ResumeOnStartKey) ?? options.ResumeOnStart;
    }

    public void PostConfigure(string? name, StorageOptions options) =>
        options.RetentionDays = store.GetInt(AppSettingsStore.RetentionDaysKey) ?? options.RetentionDays;

    public IChangeToken GetChangeToken() => store.GetChangeToken();
}
