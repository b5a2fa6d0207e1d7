using Bunit;
using IotDashboard.App.Components.Controls;

namespace IotDashboard.Tests.App.Components.Controls;

public sealed class DeviceStatusChipTests : MudTestContext
{

    [Theory]
    [InlineData(true, null, "Running")]
    [InlineData(false, null, "Stopped")]
    [InlineData(true, "model failed", "Error")]
    public void Status_IsWrittenOut_NotOnlyColoured(bool running, string? error, string text)
    {
        var chip = Render<DeviceStatusChip>(p => p.Add(c => c.Running, running).Add(c => c.Error, error));

        var element = chip.Find("[data-testid=device-status]");
        Assert.Contains(text, element.TextContent, StringComparison.Ordinal);
        Assert.NotNull(element.QuerySelector("svg")); // and an icon
    }
}
