using IotDashboard.Core.Mqtt;

namespace IotDashboard.App.Security;

/// <summary>
/// The MQTT changes the Settings page can make, behind <see cref="AdminGate"/> like <see cref="AdminActions"/>:
/// saving settings and secrets, and "Test connection" (it connects to a host of the caller's choosing with the
/// stored credentials, so it is an admin action too). Reading the settings view (no secrets in it) is open to viewers.
/// </summary>
public sealed class MqttAdminActions(AdminGate gate, MqttService mqtt)
{
    public async Task<IReadOnlyList<string>> SaveSettingsAsync(MqttSettingsUpdate update, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(SaveSettingsAsync), cancellationToken);
        return await mqtt.SaveSettingsAsync(update, cancellationToken);
    }

    public async Task<MqttTestResult> TestConnectionAsync(MqttSettingsUpdate update, CancellationToken cancellationToken = default)
    {
        await gate.EnsureAdminAsync(nameof(TestConnectionAsync), cancellationToken);
        return await mqtt.TestConnectionAsync(update, cancellationToken);
    }
}
