using IotDashboard.Core.Devices;

namespace IotDashboard.Core.Live;

/// <summary>A fixed-size ring of the most recent readings of one device. Not thread-safe: the feed locks around it.</summary>
internal sealed class MeasurementRing(int capacity)
{
    private readonly Measurement[] _items = new Measurement[capacity];
    private int _start;
    private int _count;

    public void Add(Measurement measurement)
    {
        if (_count < _items.Length)
        {
            _items[(_start + _count) % _items.Length] = measurement;
            _count++;
        }
        else
        {
            _items[_start] = measurement;
            _start = (_start + 1) % _items.Length;
        }
    }

    public void Clear()
    {
        Array.Clear(_items);
        _start = 0;
        _count = 0;
    }

    public List<Measurement> ToList(DateTimeOffset? after)
    {
        var list = new List<Measurement>(_count);
        for (var i = 0; i < _count; i++)
        {
            var item = _items[(_start + i) % _items.Length];
            if (after is null || item.Timestamp > after)
            {
                list.Add(item);
            }
        }

        return list;
    }
}
