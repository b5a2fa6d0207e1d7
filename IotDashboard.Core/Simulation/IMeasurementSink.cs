using IotDashboard.Core.Devices;

namespace IotDashboard.Core.Simulation;

/// <summary>
/// A consumer of the measurement pipeline: the storage writer, the live feed, the MQTT publisher.
/// The pump hands every sink every batch; a sink must not keep <paramref name="batch"/> after returning
/// (copy what it needs), and a sink that must not lose data retries inside <see cref="WriteAsync"/>, which
/// holds the pipeline back — that is the backpressure the scheduler feels.
/// </summary>
public interface IMeasurementSink
{
    string Name { get; }

    ValueTask WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken);
}
