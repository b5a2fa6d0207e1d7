using System.Net;
using IotDashboard.Core.Simulation;
using IotDashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace IotDashboard.Tests.App.Api;

public sealed class ReadingsApiTests : IAsyncLifetime
{
    private readonly AppHostFactory _app = new(seedDemo: false);
    private HttpClient _client = null!;

    public async Task InitializeAsync() => _client = await _app.CreateSignedInClientAsync();

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Theory]
    [InlineData("devices=1,x", "devices must be a comma-separated list of device ids (got 'x').")]
    [InlineData("type=toaster", "type must be one of: pv, heatpump, grid (got 'toaster').")]
    [InlineData("from=yesterday", "from must be an ISO 8601 time such as 2026-01-31T12:00:00Z (got 'yesterday').")]
    [InlineData("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "to must be after from.")]
    [InlineData("sort=random", "sort must be one of:")]
    public async Task BadQuery_Is400_WithAMessageSayingWhatIsAllowed(string query, string message)
    {
        var response = await _client.GetAsync(new Uri($"/api/readings.csv?{query}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Csv_StreamsTheFilteredRows_InTimeOrder()
    {
        var devices = _app.Services.GetRequiredService<DeviceManager>();
        var pv = (await devices.CreateAsync(new("pv", "Roof, west", TimeSpan.FromSeconds(5), Start: false)))[0];
        var heatPump = (await devices.CreateAsync(new("heatpump", "Heat pump", TimeSpan.FromSeconds(5), Start: false)))[0];
        await StoredReadings.WriteAsync(_app.Services, pv, "pv", 12, TimeSpan.FromSeconds(5), power: 500);
        await StoredReadings.WriteAsync(_app.Services, heatPump, "heatpump", 7, TimeSpan.FromSeconds(5));

        var response = await _client.GetAsync(new Uri("/api/readings.csv?type=pv", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("timestamp,device_id,device_name,device_type,power,voltage,current,power_factor,energy,irradiance,cell_temperature,dc_power,clear_sky_index", lines[0]);
        Assert.Equal(12, lines.Length - 1);
        Assert.All(lines.Skip(1), line => Assert.Contains($",{pv},\"Roof, west\",pv,", line, StringComparison.Ordinal));
        Assert.StartsWith("500,", lines[1].Split(",pv,")[1], StringComparison.Ordinal); // oldest first
    }
}
