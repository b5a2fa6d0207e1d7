using IotDashboard.Core.Devices;
using IotDashboard.Core.Simulation;
using IotDashboard.Core.Storage.Bulk;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IotDashboard.Core.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IDbContextFactory{IotDbContext}"/> for the configured provider, the bulk writer
    /// behind the storage sink, and the queries. A relative SQLite path is resolved against <paramref name="baseDirectory"/>.
    /// </summary>
    public static IServiceCollection AddIotDashboardStorage(this IServiceCollection services, DatabaseOptions options, string baseDirectory)
    {
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var connectionString = ResolveSqlite(options.ConnectionString, baseDirectory);
            services.AddPooledDbContextFactory<SqliteIotDbContext>(o => o.UseSqlite(connectionString).AddInterceptors(new SqlitePragmas()));
            services.AddSingleton<IDbContextFactory<IotDbContext>>(sp => new ProviderContextFactory<SqliteIotDbContext>(sp.GetRequiredService<IDbContextFactory<SqliteIotDbContext>>()));
            services.AddSingleton<IBulkMeasurementWriter>(sp => new SqliteBulkMeasurementWriter(connectionString, sp.GetRequiredService<DeviceTypeRegistry>()));
        }
        else
        {
            var dataSource = new NpgsqlDataSourceBuilder(options.ConnectionString).Build();
            services.AddSingleton(dataSource);
            services.AddPooledDbContextFactory<PostgresIotDbContext>(o => o.UseNpgsql(dataSource));
            services.AddSingleton<IDbContextFactory<IotDbContext>>(sp => new ProviderContextFactory<PostgresIotDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresIotDbContext>>()));
            services.AddSingleton<IBulkMeasurementWriter>(sp => new PostgresBulkMeasurementWriter(dataSource, sp.GetRequiredService<DeviceTypeRegistry>()));
        }

        services.AddSingleton<MeasurementQueries>();
        services.AddSingleton(sp => new MeasurementStore(
            sp.GetRequiredService<IBulkMeasurementWriter>(),
            sp.GetRequiredService<PipelineMetrics>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<MeasurementStore>>()));
        services.AddSingleton<IMeasurementSink>(sp => sp.GetRequiredService<MeasurementStore>());
        return services;
    }

    /// <summary>The SQLite connection string with its Data Source made absolute.</summary>
    public static string ResolveSqlite(string connectionString, string baseDirectory)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (builder.DataSource is { Length: > 0 } path && path != ":memory:" && !Path.IsPathRooted(path) && builder.Mode != SqliteOpenMode.Memory)
        {
            builder.DataSource = Path.GetFullPath(Path.Combine(baseDirectory, path));
        }

        return builder.ToString();
    }

    private sealed class ProviderContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<IotDbContext>
        where TContext : IotDbContext
    {
        public IotDbContext CreateDbContext() => inner.CreateDbContext();

        public async Task<IotDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            await inner.CreateDbContextAsync(cancellationToken);
    }
}
