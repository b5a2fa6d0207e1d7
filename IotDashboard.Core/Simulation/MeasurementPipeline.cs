using System.Threading.Channels;
using IotDashboard.Core.Devices;
using Microsoft.Extensions.Options;

namespace IotDashboard.Core.Simulation;

/// <summary>
/// The bounded channel between the scheduler (one writer) and the pump (one reader). Bounded with Wait, so a slow
/// sink slows the scheduler down (its lateness shows) instead of readings being dropped.
/// </summary>
public sealed class MeasurementPipeline
{
    private readonly Channel<Measurement> _channel;

    public MeasurementPipeline(IOptions<SimulationOptions> options)
    {
        Capacity = options.Value.PipelineCapacity;
        _channel = Channel.CreateBounded<Measurement>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = true,
            AllowSynchronousContinuations = false,
        });
    }

    public int Capacity { get; }

    public ChannelWriter<Measurement> Writer => _channel.Writer;

    public ChannelReader<Measurement> Reader => _channel.Reader;

    public int QueueDepth => _channel.Reader.Count;
}
