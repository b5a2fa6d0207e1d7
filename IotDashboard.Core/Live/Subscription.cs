namespace IotDashboard.Core.Live;

/// <summary>
/// A live-feed subscription. Disposing it is safe twice. A notification that finds the previous one still
/// running is not queued again: the subscriber reads the newest state when it gets to it anyway.
/// </summary>
internal sealed class Subscription(Func<Task> onChange, Action<Subscription> unsubscribe) : IDisposable
{
    private int _pending;
    private int _running;
    private int _disposed;
    private long _lastNotified = long.MinValue / 2;

    public int? DeviceId { get; init; }

    public void MarkPending() => Volatile.Write(ref _pending, 1);

    /// <summary>
    /// True when a notification is pending, none is still running and the last one was at least
    /// <paramref name="minimumInterval"/> timestamp ticks before <paramref name="now"/>; then that is now.
    /// </summary>
    public bool TakePending(long now, long minimumInterval)
    {
        if (Volatile.Read(ref _disposed) != 0 || Volatile.Read(ref _running) != 0 || now - Volatile.Read(ref _lastNotified) < minimumInterval
            || Interlocked.Exchange(ref _pending, 0) != 1)
        {
            return false;
        }

        Volatile.Write(ref _lastNotified, now);
        return true;
    }

    public void Notify()
    {
        Interlocked.Exchange(ref _running, 1);
        Task task;
        try
        {
            task = onChange();
        }
        catch
        {
            Interlocked.Exchange(ref _running, 0);
            return; // a failing subscriber must not break the feed for the others
        }

        if (task.IsCompleted)
        {
            Interlocked.Exchange(ref _running, 0);
            return;
        }

        task.ContinueWith(static (_, state) => Interlocked.Exchange(ref ((Subscription)state!)._running, 0), this, TaskScheduler.Default);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            unsubscribe(this);
        }
    }
}
