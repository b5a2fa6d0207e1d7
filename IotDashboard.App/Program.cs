using IotDashboard.App;
using IotDashboard.App.Security;
using IotDashboard.Core;
using IotDashboard.Core.Settings;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.UseRepositoryAppSettings(builder.Environment);
try
{
    builder.AddIotDashboardCore();
    builder.AddIotDashboardSettings();
    builder.AddIotDashboardSecurity();
    builder.AddIotDashboardUi();

    var app = builder.Build();

    // Options validation before the host starts, so a bad value is reported here, not logged with a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
    app.UseIotDashboardUi();
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is InvalidConfigurationException or OptionsValidationException or AggregateException { InnerExceptions: [OptionsValidationException, ..] })
{
    // One clear line naming the key and what is allowed, instead of a stack trace.
    var messages = ex is AggregateException aggregate ? aggregate.InnerExceptions.Select(e => e.Message) : [ex.Message];
    await Console.Error.WriteLineAsync($"Invalid configuration: {string.Join(" ", messages)}");
    return 1;
}

/// <summary>The entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
