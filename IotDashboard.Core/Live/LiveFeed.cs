using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;

namespace IotDashboard.Core.Live;

/// <summary>
/// The pipeline sink behind <see cref="ILiveFeed"/>: latest reading per device, a ring buffer per watched
/// device, and throttled notifications delivered by one timer for all subscriptions.
/// </summary>
public sealed class LiveFeed : ILiveFeed, IMeasurementSink, IDisposable
{
    /// <summary>About four renders per second per component at most.</summary>
    public static readonly TimeSpan NotifyInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often the timer looks for due notifications. A subscription that has not been notified for
    /// <see cref="NotifyInterval"/> is notified at the next look (leading edge), so a reading reaches a card
    /// within about this much time instead of waiting out a fixed 250 ms grid.
    /// </summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>Readings kept per watched device: 10 minutes at 1 s.</summary>
    public const int HistoryCapacity = 600;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Measurement> _latest = [];
    private readonly Dictionary<int, DeviceWatch> _watched = [];
    private readonly List<Subscription> _fleet = [];
    private readonly TimeProvider _timeProvider;
    private readonly long _notifyIntervalTicks;
    private readonly ITimer _timer;
    private int _subscriberCount;

    public LiveFeed(TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _notifyIntervalTicks = (long)(NotifyInterval.TotalSeconds * timeProvider.TimestampFrequency);
        _timer = timeProvider.CreateTimer(_ => FlushDue(), null, CheckInterval, CheckInterval);
    }

    public string Name => "live";

    public int SubscriberCount => Volatile.Read(ref _subscriberCount);

    public ValueTask WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var measurement in batch)
            {
                _latest[measurement.DeviceId] = measurement;
                if (_watched.TryGetValue(measurement.DeviceId, out var watch))
                {
                    watch.History.Add(measurement);
                    foreach (var subscription in watch.Subscriptions)
                    {
                        subscription.MarkPending();
                    }
                }
            }

            if (batch.Count > 0)
            {
                foreach (var subscription in _fleet)
                {
                    subscription.MarkPending();
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    public IDisposable Subscribe(int deviceId, Func<Task> onChange)
    {
        var subscription = new Subscription(onChange, Unsubscribe) { DeviceId = deviceId };
        lock (_gate)
        {
            if (!_watched.TryGetValue(deviceId, out var watch))
            {
                watch = new DeviceWatch();
                _watched[deviceId] = watch;
            }

            watch.Subscriptions.Add(subscription);
        }

        Interlocked.Increment(ref _subscriberCount);
        return subscription;
    }

    public IDisposable SubscribeFleet(Func<Task> onChange)
    {
        var subscription = new Subscription(onChange, Unsubscribe);
        lock (_gate)
        {
            _fleet.Add(subscription);
        }

        Interlocked.Increment(ref _subscriberCount);
        return subscription;
    }

    public Measurement? Latest(int deviceId)
    {
        lock (_gate)
        {
            return _latest.GetValueOrDefault(deviceId);
        }
    }

    public IReadOnlyList<Measurement> Recent(int deviceId, DateTimeOffset? after = null)
    {
        lock (_gate)
        {
            return _watched.TryGetValue(deviceId, out var watch) ? watch.History.ToList(after) : [];
        }
    }

    public void NotifyFleetChanged()
    {
        lock (_gate)
        {
            foreach (var subscription in _fleet)
            {
                subscription.MarkPending();
            }
        }
    }

    /// <summary>Forgets a deleted device.</summary>
    public void Remove(int deviceId)
    {
        lock (_gate)
        {
            _latest.Remove(deviceId);
            if (_watched.TryGetValue(deviceId, out var watch))
            {
                watch.History.Clear();
            }
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>Delivers every pending notification now; called directly by tests instead of waiting for the timer.</summary>
    public void Flush() => Deliver(_timeProvider.GetTimestamp(), minimumInterval: 0);

    /// <summary>The timer's look: delivers pending notifications of subscriptions not notified within <see cref="NotifyInterval"/>.</summary>
    private void FlushDue()
    {
        if (Volatile.Read(ref _subscriberCount) > 0)
        {
            Deliver(_timeProvider.GetTimestamp(), _notifyIntervalTicks);
        }
    }

    private void Deliver(long now, long minimumInterval)
    {
        List<Subscription>? due = null;
        lock (_gate)
        {
            foreach (var watch in _watched.Values)
            {
                Collect(watch.Subscriptions, now, minimumInterval, ref due);
            }

            Collect(_fleet, now, minimumInterval, ref due);
        }

        if (due is null)
        {
            return;
        }

        foreach (var subscription in due)
        {
            subscription.Notify();
        }
    }

    private static void Collect(List<Subscription> subscriptions, long now, long minimumInterval, ref List<Subscription>? due)
    {
        foreach (var subscription in subscriptions)
        {
            if (subscription.TakePending(now, minimumInterval))
            {
                (due ??= []).Add(subscription);
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_gate)
        {
            if (subscription.DeviceId is { } deviceId && _watched.TryGetValue(deviceId, out var watch))
            {
                watch.Subscriptions.Remove(subscription);
                if (watch.Subscriptions.Count == 0)
                {
                    _watched.Remove(deviceId); // nobody watches: free the history
                }
            }
            else
            {
                _fleet.Remove(subscription);
            }
        }

        Interlocked.Decrement(ref _subscriberCount);
    }

    private sealed class DeviceWatch
    {
        public List<Subscription> Subscriptions { get; } = [];

        public MeasurementRing History { get; } = new(HistoryCapacity);
    }
}
