using IotDashboard.Core.Devices;

namespace IotDashboard.Core.Live;

/// <summary>
/// The in-memory view of what the devices are doing now, for the UI. Components subscribe with a callback
/// (usually <c>() =&gt; InvokeAsync(StateHasChanged)</c>); the feed coalesces and throttles notifications (at most
/// one every <see cref="LiveFeed.NotifyInterval"/> per subscription) and components then read snapshots from
/// memory, never the database, on each update.
/// </summary>
public interface ILiveFeed
{
    /// <summary>Notified when a reading of <paramref name="deviceId"/> arrives. Keeps the device's recent history in memory while subscribed.</summary>
    IDisposable Subscribe(int deviceId, Func<Task> onChange);

    /// <summary>Notified when any reading arrives or the fleet changes (devices added, removed, started, stopped).</summary>
    IDisposable SubscribeFleet(Func<Task> onChange);

    /// <summary>The latest reading of a device, or null before its first.</summary>
    Measurement? Latest(int deviceId);

    /// <summary>Recent readings of a device in time order (kept while someone subscribes to it), optionally only after <paramref name="after"/>.</summary>
    IReadOnlyList<Measurement> Recent(int deviceId, DateTimeOffset? after = null);

    /// <summary>Tells fleet subscribers that devices changed outside the readings.</summary>
    void NotifyFleetChanged();

    /// <summary>How many subscriptions are active (tests assert that disposed components leave none).</summary>
    int SubscriberCount { get; }
}
