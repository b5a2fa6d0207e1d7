namespace IotDashboard.Core.Devices;

public enum NoticeKind
{
    Event,
    AlarmRaised,
    AlarmCleared,
}

public enum AlarmSeverity
{
    Critical,
    Major,
    Minor,
    Warning,
}

/// <summary>Something a model reports beside its values: an event (defrost started) or an alarm raised or cleared.</summary>
public sealed record DeviceNotice(NoticeKind Kind, string Type, string Text, AlarmSeverity Severity = AlarmSeverity.Major)
{
    public static DeviceNotice Event(string type, string text) => new(NoticeKind.Event, type, text);

    public static DeviceNotice Raise(string type, string text, AlarmSeverity severity) => new(NoticeKind.AlarmRaised, type, text, severity);

    public static DeviceNotice Clear(string type) => new(NoticeKind.AlarmCleared, type, string.Empty);
}
