using IotDashboard.Core.Storage.Entities;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace IotDashboard.Core.Storage;

/// <summary>
/// The application's database. Each provider has its own subclass so that each keeps its own migration set
/// (SQLite and PostgreSQL differ in column types); code uses this base type through
/// <see cref="IDbContextFactory{IotDbContext}"/>. It also holds ASP.NET Core Identity's users and roles (tables
/// <c>users</c>, <c>roles</c>, <c>user_roles</c>, …), so sign-in needs no second database.
/// </summary>
public abstract class IotDbContext(DbContextOptions options) : IdentityDbContext<IdentityUser, IdentityRole, string>(options)
{
    public DbSet<DeviceConfig> Devices => Set<DeviceConfig>();

    public DbSet<SiteEntity> Sites => Set<SiteEntity>();

    public DbSet<MeasurementRow> Measurements => Set<MeasurementRow>();

    public DbSet<AppSetting> Settings => Set<AppSetting>();

    public abstract DatabaseProvider Provider { get; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder); // Identity's tables
        modelBuilder.Entity<IdentityUser>().ToTable("users");
        modelBuilder.Entity<IdentityRole>().ToTable("roles");
        modelBuilder.Entity<IdentityUserRole<string>>().ToTable("user_roles");
        modelBuilder.Entity<IdentityUserClaim<string>>().ToTable("user_claims");
        modelBuilder.Entity<IdentityUserLogin<string>>().ToTable("user_logins");
        modelBuilder.Entity<IdentityUserToken<string>>().ToTable("user_tokens");
        modelBuilder.Entity<IdentityRoleClaim<string>>().ToTable("role_claims");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(IotDbContext).Assembly, t => t.Namespace == typeof(DeviceConfig).Namespace);
    }
}

/// <summary>SQLite: timestamps as Unix milliseconds so they sort and compare as integers in SQL.</summary>
public sealed class SqliteIotDbContext(DbContextOptions<SqliteIotDbContext> options) : IotDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(), v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}

/// <summary>PostgreSQL: native <c>timestamptz</c> and <c>jsonb</c>.</summary>
public sealed class PostgresIotDbContext(DbContextOptions<PostgresIotDbContext> options) : IotDbContext(options)
{
    public override DatabaseProvider Provider => DatabaseProvider.Postgres;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<MeasurementRow>().Property(m => m.Extra).HasColumnType("jsonb");
        modelBuilder.Entity<DeviceConfig>().Property(m => m.ParametersJson).HasColumnType("jsonb");
    }
}

/// <summary>Lets <c>dotnet ef migrations add</c> build each context without the app.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteIotDbContext>
{
    public SqliteIotDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteIotDbContext>().UseSqlite("Data Source=design.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresIotDbContext>
{
    public PostgresIotDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresIotDbContext>().UseNpgsql("Host=localhost;Database=design").Options);
}
