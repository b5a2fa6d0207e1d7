using IotDashboard.Core.Devices;
using IotDashboard.Core.Live;
using Microsoft.Extensions.Time.Testing;

namespace IotDashboard.Tests.Core.Live;

public sealed class LiveFeedLeadingEdgeTests
{
    private static Measurement Reading(int deviceId, DateTimeOffset time) =>
        new() { DeviceId = deviceId, DeviceType = "pv", Timestamp = time, Values = [1, 230, 0.1, 1, 0] };

    [Fact]
    public async Task Reading_AfterQuietPeriod_IsNotifiedAtTheNextCheckNotAfterAFullInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var feed = new LiveFeed(time);
        var notified = 0;
        using var subscription = feed.Subscribe(7, () => { notified++; return Task.CompletedTask; });

        await feed.WriteAsync([Reading(7, time.GetUtcNow())], CancellationToken.None);
        time.Advance(LiveFeed.CheckInterval);

        Assert.Equal(1, notified);
    }

    [Fact]
    public async Task Readings_CloserThanNotifyInterval_AreCoalescedIntoOneNotificationPerInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var feed = new LiveFeed(time);
        var notified = 0;
        using var subscription = feed.Subscribe(7, () => { notified++; return Task.CompletedTask; });

        await feed.WriteAsync([Reading(7, time.GetUtcNow())], CancellationToken.None);
        time.Advance(LiveFeed.CheckInterval);
        await feed.WriteAsync([Reading(7, time.GetUtcNow())], CancellationToken.None);
        await feed.WriteAsync([Reading(7, time.GetUtcNow())], CancellationToken.None);
        time.Advance(LiveFeed.NotifyInterval - LiveFeed.CheckInterval - LiveFeed.CheckInterval);

        Assert.Equal(1, notified); // the second one waits until NotifyInterval after the first

        time.Advance(LiveFeed.CheckInterval * 2);

        Assert.Equal(2, notified);
    }

    [Fact]
    public async Task Flush_DeliversPendingImmediately_RegardlessOfTheInterval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using var feed = new LiveFeed(time);
        var notified = 0;
        using var subscription = feed.Subscribe(7, () => { notified++; return Task.CompletedTask; });

        await feed.WriteAsync([Reading(7, time.GetUtcNow())], CancellationToken.None);
        feed.Flush();
        await feed.WriteAsync([Reading(7, time.GetUtcNow())], CancellationToken.None);
        feed.Flush();

        Assert.Equal(2, notified);
    }
}
