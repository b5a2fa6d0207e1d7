using IotDashboard.Core.Mqtt;

namespace IotDashboard.Tests.Core.Mqtt;

public sealed class MqttDiskQueueTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"iot-queue-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Enqueue_ThenPeekAndCommit_ReturnsMessagesInOrderOnce()
    {
        var queue = new MqttDiskQueue(_directory, 1000);
        queue.Enqueue(Messages(0, 10));

        var first = queue.Peek(4);
        queue.Commit(first[^1]);
        var rest = queue.Peek(100);

        Assert.Equal(["m0", "m1", "m2", "m3"], first.Select(m => m.Payload));
        Assert.Equal(Enumerable.Range(4, 6).Select(i => $"m{i}"), rest.Select(m => m.Payload));
        Assert.Equal(6, queue.Count);
        Assert.Equal("s/us/dev", rest[0].Topic);
    }

    [Fact]
    public void Full_DropsTheOldest_AndCountsThem()
    {
        var queue = new MqttDiskQueue(_directory, 100, segmentBytes: 512);
        queue.Enqueue(Messages(0, 80));
        var dropped = queue.Enqueue(Messages(80, 50));

        Assert.Equal(30, dropped);
        Assert.Equal(30, queue.Dropped);
        Assert.Equal(100, queue.Count);
        Assert.Equal(Enumerable.Range(30, 100).Select(i => $"m{i}"), queue.Peek(1000).Select(m => m.Payload));
    }

    [Fact]
    public void Reopen_ContinuesAfterTheSavedCursor_AcrossSegments()
    {
        var queue = new MqttDiskQueue(_directory, 10_000, segmentBytes: 300);
        queue.Enqueue(Messages(0, 50));
        queue.Commit(queue.Peek(20)[^1]);
        queue.SaveCursor();

        var reopened = new MqttDiskQueue(_directory, 10_000, segmentBytes: 300);
        reopened.Enqueue(Messages(50, 5));

        Assert.Equal(35, reopened.Count);
        Assert.Equal(Enumerable.Range(20, 35).Select(i => $"m{i}"), reopened.Peek(1000).Select(m => m.Payload));
        Assert.True(Directory.GetFiles(_directory, "*.seg").Length > 1);
    }

    [Fact]
    public void Reopen_CutsOffATornRecord()
    {
        var queue = new MqttDiskQueue(_directory, 1000);
        queue.Enqueue(Messages(0, 3));
        var segment = Directory.GetFiles(_directory, "*.seg").Single();
        using (var stream = new FileStream(segment, FileMode.Append))
        {
            stream.Write([200, 0, 0, 0, 1, 2]); // a header promising 200 bytes, then the crash
        }

        var reopened = new MqttDiskQueue(_directory, 1000);
        reopened.Enqueue(Messages(3, 1));

        Assert.Equal(["m0", "m1", "m2", "m3"], reopened.Peek(10).Select(m => m.Payload));
    }

    [Fact]
    public void CommitOfDroppedMessages_IsIgnored()
    {
        var queue = new MqttDiskQueue(_directory, 5);
        queue.Enqueue(Messages(0, 5));
        var inFlight = queue.Peek(2);
        queue.Enqueue(Messages(5, 4)); // drops m0..m3 while m0, m1 were being sent

        queue.Commit(inFlight[^1]);

        Assert.Equal(["m4", "m5", "m6", "m7", "m8"], queue.Peek(10).Select(m => m.Payload));
    }

    [Fact]
    public void EmptyAfterEverythingCommitted_StaysUsableAfterReopen()
    {
        var queue = new MqttDiskQueue(_directory, 100, segmentBytes: 200);
        queue.Enqueue(Messages(0, 30));
        queue.Commit(queue.Peek(100)[^1]);
        queue.SaveCursor();

        var reopened = new MqttDiskQueue(_directory, 100, segmentBytes: 200);
        Assert.Equal(0, reopened.Count);
        reopened.Enqueue(Messages(30, 2));

        Assert.Equal(["m30", "m31"], reopened.Peek(10).Select(m => m.Payload));
    }

    private static List<MqttOutgoing> Messages(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new MqttOutgoing("s/us/dev", $"m{i}"))];
}
