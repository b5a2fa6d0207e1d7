namespace IotDashboard.App.Components.Controls;

/// <summary>One line of a <see cref="LiveChart"/>. <paramref name="Axis"/> 2 puts it on a second y axis (another unit).</summary>
public sealed record ChartSeries(string Name, string Unit, string? Color = null, int Axis = 1);

/// <summary>One moment of a chart: one value per series, in the order of the chart's series (NaN for a gap).</summary>
public sealed record ChartPoint(DateTimeOffset Time, IReadOnlyList<double> Values);
