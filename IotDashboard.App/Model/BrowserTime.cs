using Microsoft.JSInterop;

namespace IotDashboard.App.Model;

/// <summary>
/// The viewer's UTC offset, asked from the browser once per circuit: timestamps stay UTC everywhere and are
/// converted only for display. Until the browser has answered, times show in UTC.
/// </summary>
public sealed class BrowserTime
{
    private TimeSpan? _offset;

    public TimeSpan Offset => _offset ?? TimeSpan.Zero;

    public bool IsKnown => _offset is not null;

    public async Task InitializeAsync(IJSRuntime js)
    {
        if (_offset is not null)
        {
            return;
        }

        try
        {
            var minutes = await js.InvokeAsync<int>("iotDashboard.timeZoneOffset");
            _offset = TimeSpan.FromMinutes(-minutes);
        }
        catch (JSException)
        {
            _offset = TimeSpan.Zero;
        }
    }

    public DateTime ToLocal(DateTimeOffset time) => time.ToOffset(Offset).DateTime;

    public string Format(DateTimeOffset? time, string format = "yyyy-MM-dd HH:mm:ss") =>
        time is { } t ? ToLocal(t).ToString(format, System.Globalization.CultureInfo.InvariantCulture) : "–";

    /// <summary>The browser's local time as a UTC instant (for ranges the user picked in local time).</summary>
    public DateTimeOffset FromLocal(DateTime local) => new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Offset).ToUniversalTime();
}
