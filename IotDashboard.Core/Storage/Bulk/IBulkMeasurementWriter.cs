using IotDashboard.Core.Devices;

namespace IotDashboard.Core.Storage.Bulk;

/// <summary>The provider's fastest way to append readings: all of a batch in one transaction, or none.</summary>
internal interface IBulkMeasurementWriter
{
    Task WriteAsync(IReadOnlyList<Measurement> batch, CancellationToken cancellationToken);
}
