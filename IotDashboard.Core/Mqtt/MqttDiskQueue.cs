using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace IotDashboard.Core.Mqtt;

/// <summary>A message read from the queue; commit it once the broker has acknowledged it.</summary>
public sealed record QueuedMessage(long Sequence, string Topic, string Payload, QueuePosition End);

public readonly record struct QueuePosition(long Segment, long Offset);

/// <summary>
/// Store-and-forward for one connection: a bounded FIFO of messages in append-only segment files, so readings
/// survive a broker outage and an app restart. Every message goes through it (write-ahead), which keeps their
/// order whether the broker is there or not. When more than <c>capacity</c> messages wait, the oldest are
/// dropped and counted. The read position (a cursor file) is saved after acknowledged publishes, so a restart
/// resends at most the messages of the last unsaved batch (QoS 1 is at-least-once anyway).
/// </summary>
/// <remarks>
/// Record: <c>int32 length | int64 sequence | uint16 topic length | topic | payload</c> (UTF-8, little endian);
/// a torn record at the end of the last segment (a crash while writing) is cut off on open.
/// One writer (the encoder) and one reader (the connection's owner loop) at a time; a lock covers both.
/// </remarks>
public sealed class MqttDiskQueue
{
    private const int HeaderBytes = 4 + 8 + 2;
    private const string CursorFile = "cursor";
    private const string SegmentPattern = "*.seg";

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly int _capacity;
    private readonly long _segmentBytes;
    private long _headSegment;
    private long _headOffset;
    private long _headSequence;
    private long _tailSegment;
    private long _tailOffset;
    private long _tailSequence;
    private long _dropped;
    private bool _cursorDirty;

    public MqttDiskQueue(string directory, int capacity, long segmentBytes = 4 * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _directory = directory;
        _capacity = capacity;
        _segmentBytes = segmentBytes;
        Directory.CreateDirectory(directory);
        Recover();
    }

    public string Folder => _directory;

    public int Capacity => _capacity;

    /// <summary>Messages waiting.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _tailSequence - _headSequence;
            }
        }
    }

    /// <summary>Messages dropped because the queue was full, since this instance was opened.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Appends messages in order; drops the oldest beyond the capacity. Returns how many were dropped.</summary>
    public int Enqueue(IReadOnlyList<MqttOutgoing> messages)
    {
        if (messages.Count == 0)
        {
            return 0;
        }

        lock (_lock)
        {
            var stream = OpenTail();
            try
            {
                foreach (var message in messages)
                {
                    if (_tailOffset >= _segmentBytes)
                    {
                        stream.Dispose();
                        _tailSegment++;
                        _tailOffset = 0;
                        stream = OpenTail();
                    }

                    _tailOffset += Write(stream, _tailSequence, message);
                    _tailSequence++;
                }
            }
            finally
            {
                stream.Dispose();
            }

            var dropped = 0;
            while (_tailSequence - _headSequence > _capacity)
            {
                SkipHead();
                dropped++;
            }

            if (dropped > 0)
            {
                Interlocked.Add(ref _dropped, dropped);
                _cursorDirty = true;
                SaveCursorLocked();
            }

            return dropped;
        }
    }

    /// <summary>The oldest messages, up to <paramref name="max"/>, without removing them.</summary>
    public IReadOnlyList<QueuedMessage> Peek(int max)
    {
        lock (_lock)
        {
            var result = new List<QueuedMessage>(Math.Min(max, (int)Math.Min(int.MaxValue, _tailSequence - _headSequence)));
            var segment = _headSegment;
            var offset = _headOffset;
            var sequence = _headSequence;
            FileStream? stream = null;
            try
            {
                while (result.Count < max && sequence < _tailSequence)
                {
                    if (stream is null || offset >= stream.Length)
                    {
                        if (stream is not null)
                        {
                            stream.Dispose();
                            segment++;
                            offset = 0;
                        }

                        stream = OpenRead(segment);
                        if (stream is null)
                        {
                            break;
                        }

                        stream.Position = offset; // then read on sequentially, without seeking per record
                        continue;
                    }

                    var (recordSequence, topic, payload, length) = Read(stream);
                    offset += length;
                    result.Add(new QueuedMessage(recordSequence, topic, payload, new QueuePosition(segment, offset)));
                    sequence = recordSequence + 1;
                }
            }
            finally
            {
                stream?.Dispose();
            }

            return result;
        }
    }

    /// <summary>Removes everything up to and including <paramref name="message"/> (ignored if already dropped).</summary>
    public void Commit(QueuedMessage message)
    {
        lock (_lock)
        {
            if (message.Sequence < _headSequence)
            {
                return;
            }

            var previousSegment = _headSegment;
            _headSequence = message.Sequence + 1;
            (_headSegment, _headOffset) = (message.End.Segment, message.End.Offset);
            _cursorDirty = true;
            for (var s = previousSegment; s < _headSegment; s++)
            {
                File.Delete(SegmentPath(s));
            }
        }
    }

    /// <summary>Saves the read position; called after each published batch.</summary>
    public void SaveCursor()
    {
        lock (_lock)
        {
            SaveCursorLocked();
        }
    }

    /// <summary>Removes the queue's files (its device was deleted).</summary>
    public void Delete()
    {
        lock (_lock)
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }

            _headSequence = _tailSequence;
        }
    }

    private void SaveCursorLocked()
    {
        if (!_cursorDirty)
        {
            return;
        }

        var text = string.Create(CultureInfo.InvariantCulture, $"{_headSegment} {_headOffset} {_headSequence}");
        var temporary = Path.Combine(_directory, CursorFile + ".tmp");
        File.WriteAllText(temporary, text);
        File.Move(temporary, Path.Combine(_directory, CursorFile), overwrite: true);
        _cursorDirty = false;
    }

    private void SkipHead()
    {
        while (true)
        {
            var path = SegmentPath(_headSegment);
            var length = File.Exists(path) ? new FileInfo(path).Length : 0;
            if (_headOffset < length)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                stream.Position = _headOffset;
                Span<byte> header = stackalloc byte[4];
                stream.ReadExactly(header);
                _headOffset += 4 + BinaryPrimitives.ReadInt32LittleEndian(header);
                _headSequence++;
                return;
            }

            if (_headSegment >= _tailSegment)
            {
                throw new InvalidOperationException("Queue files do not match the queue's count.");
            }

            File.Delete(path);
            _headSegment++;
            _headOffset = 0;
        }
    }

    private void Recover()
    {
        var segments = Directory.GetFiles(_directory, SegmentPattern)
            .Select(p => long.TryParse(Path.GetFileNameWithoutExtension(p), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0).Order().ToList();
        var cursorPath = Path.Combine(_directory, CursorFile);
        long segment = segments.Count > 0 ? segments[0] : 1;
        long offset = 0;
        long sequence = -1;
        if (File.Exists(cursorPath))
        {
            var parts = File.ReadAllText(cursorPath).Split(' ');
            if (parts.Length == 3
                && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var s)
                && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var o)
                && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var q))
            {
                (segment, offset, sequence) = (s, o, q);
            }
        }

        // Segments wholly before the cursor were consumed; delete what a crash left behind.
        foreach (var old in segments.Where(n => n < segment))
        {
            File.Delete(SegmentPath(old));
        }

        _headSegment = segment;
        _headOffset = offset;
        _tailSegment = segment;
        _tailOffset = offset;
        var count = 0L;
        var first = -1L;
        var last = sequence - 1;
        foreach (var n in segments.Where(n => n >= segment))
        {
            var path = SegmentPath(n);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            var position = n == segment ? offset : 0;
            while (position < stream.Length)
            {
                stream.Position = position;
                if (!TryReadHeader(stream, out var length, out var recordSequence) || position + 4 + length > stream.Length)
                {
                    stream.SetLength(position); // a torn write at the end
                    break;
                }

                if (first < 0)
                {
                    first = recordSequence;
                }

                last = recordSequence;
                count++;
                position += 4 + length;
            }

            _tailSegment = n;
            _tailOffset = stream.Length;
        }

        if (!segments.Any(n => n >= segment))
        {
            // Nothing left on disk (all consumed or removed): start a fresh segment after the cursor's.
            _headSegment = _tailSegment = segment + 1;
            _headOffset = _tailOffset = 0;
        }

        _headSequence = first >= 0 ? first : Math.Max(sequence, 0);
        _tailSequence = first >= 0 ? last + 1 : _headSequence;
        if (first >= 0 && _tailSequence - _headSequence != count)
        {
            // Sequence numbers are contiguous by construction; trust the count if a file was tampered with.
            _tailSequence = _headSequence + count;
        }
    }

    private FileStream OpenTail() =>
        new(SegmentPath(_tailSegment), FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);

    private FileStream? OpenRead(long segment)
    {
        var path = SegmentPath(segment);
        return segment > _tailSegment || !File.Exists(path)
            ? null
            : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
    }

    private string SegmentPath(long segment) => Path.Combine(_directory, segment.ToString("D12", CultureInfo.InvariantCulture) + ".seg");

    private static int Write(Stream stream, long sequence, MqttOutgoing message)
    {
        var topicBytes = Encoding.UTF8.GetByteCount(message.Topic);
        var payloadBytes = Encoding.UTF8.GetByteCount(message.Payload);
        var total = HeaderBytes + topicBytes + payloadBytes;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var span = buffer.AsSpan(0, total);
            BinaryPrimitives.WriteInt32LittleEndian(span, total - 4);
            BinaryPrimitives.WriteInt64LittleEndian(span[4..], sequence);
            BinaryPrimitives.WriteUInt16LittleEndian(span[12..], checked((ushort)topicBytes));
            Encoding.UTF8.GetBytes(message.Topic, span[HeaderBytes..]);
            Encoding.UTF8.GetBytes(message.Payload, span[(HeaderBytes + topicBytes)..]);
            stream.Write(span);
            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryReadHeader(Stream stream, out int length, out long sequence)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        length = 0;
        sequence = 0;
        if (stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            return false;
        }

        length = BinaryPrimitives.ReadInt32LittleEndian(header);
        sequence = BinaryPrimitives.ReadInt64LittleEndian(header[4..]);
        return length >= HeaderBytes - 4;
    }

    private static (long Sequence, string Topic, string Payload, int Length) Read(Stream stream)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        stream.ReadExactly(header);
        var length = BinaryPrimitives.ReadInt32LittleEndian(header);
        var sequence = BinaryPrimitives.ReadInt64LittleEndian(header[4..]);
        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(header[12..]);
        var body = new byte[length - (HeaderBytes - 4)];
        stream.ReadExactly(body);
        var topic = Encoding.UTF8.GetString(body, 0, topicLength);
        var payload = Encoding.UTF8.GetString(body, topicLength, body.Length - topicLength);
        return (sequence, topic, payload, length + 4);
    }
}
