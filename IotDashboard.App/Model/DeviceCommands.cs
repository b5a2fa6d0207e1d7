using IotDashboard.App.Components.Dialogs;
using IotDashboard.App.Security;
using IotDashboard.Core.Simulation;
using MudBlazor;

namespace IotDashboard.App.Model;

/// <summary>
/// The device actions every page offers (start, stop, delete with confirmation, create, edit), with the dialogs
/// and the short confirmation messages, so that pages only say which devices. Every change goes through
/// <see cref="AdminActions"/>, which refuses anyone but an administrator; a refusal shows as a message.
/// </summary>
public sealed class DeviceCommands(AdminActions admin, IDialogService dialogs, ISnackbar snackbar)
{
    public async Task StartAsync(IReadOnlyCollection<int> ids)
    {
        if (await TryAsync(() => admin.StartDevicesAsync(ids)))
        {
            snackbar.Add(ids.Count == 1 ? "Device started." : $"{ids.Count:N0} devices started.", Severity.Success);
        }
    }

    public async Task StopAsync(IReadOnlyCollection<int> ids)
    {
        if (await TryAsync(() => admin.StopDevicesAsync(ids)))
        {
            snackbar.Add(ids.Count == 1 ? "Device stopped." : $"{ids.Count:N0} devices stopped.", Severity.Info);
        }
    }

    /// <summary>Asks first; true when the devices were deleted.</summary>
    public async Task<bool> DeleteAsync(IReadOnlyCollection<int> ids, string what)
    {
        var confirmed = await dialogs.ShowMessageBoxAsync(
            "Delete",
            $"Delete {what} and all of its readings? This cannot be undone.",
            yesText: "Delete",
            cancelText: "Cancel");
        if (confirmed != true)
        {
            return false;
        }

        if (!await TryAsync(() => admin.DeleteDevicesAsync(ids)))
        {
            return false;
        }

        snackbar.Add(ids.Count == 1 ? "Device deleted." : $"{ids.Count:N0} devices deleted.", Severity.Info);
        return true;
    }

    public async Task<IReadOnlyList<int>> CreateAsync()
    {
        var dialog = await dialogs.ShowAsync<NewDeviceDialog>("New device", new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is { Canceled: false, Data: IReadOnlyList<int> ids })
        {
            snackbar.Add(ids.Count == 1 ? "Device created." : $"{ids.Count:N0} devices created.", Severity.Success);
            return ids;
        }

        return [];
    }

    public async Task<bool> EditAsync(DeviceView device)
    {
        var parameters = new DialogParameters<EditDeviceDialog> { { d => d.Device, device } };
        var dialog = await dialogs.ShowAsync<EditDeviceDialog>("Edit device", parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is { Canceled: false })
        {
            snackbar.Add("Device updated.", Severity.Success);
            return true;
        }

        return false;
    }

    private async Task<bool> TryAsync(Func<Task> action)
    {
        try
        {
            await action();
            return true;
        }
        catch (UnauthorizedAccessException ex)
        {
            snackbar.Add(ex.Message, Severity.Error);
            return false;
        }
    }
}
