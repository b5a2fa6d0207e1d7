using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace IotDashboard.Core.Storage.Entities;

internal sealed class DeviceConfigConfiguration : IEntityTypeConfiguration<DeviceConfig>
{
    public void Configure(EntityTypeBuilder<DeviceConfig> builder)
    {
        builder.ToTable("device_configs");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).HasColumnName("id");
        builder.Property(d => d.ExternalId).HasColumnName("external_id").HasMaxLength(100);
        builder.HasIndex(d => d.ExternalId).IsUnique();
        builder.Property(d => d.Name).HasColumnName("name").HasMaxLength(100);
        builder.Property(d => d.DeviceType).HasColumnName("device_type").HasMaxLength(50);
        builder.HasIndex(d => d.DeviceType);
        builder.Property(d => d.SiteId).HasColumnName("site_id");
        builder.HasOne(d => d.Site).WithMany().HasForeignKey(d => d.SiteId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(d => d.IntervalMs).HasColumnName("interval_ms");
        builder.Property(d => d.ParametersJson).HasColumnName("parameters");
        builder.Property(d => d.Seed).HasColumnName("seed");
        builder.Property(d => d.Status).HasColumnName("status").HasConversion<string>().HasMaxLength(20);
        builder.Property(d => d.CreatedAt).HasColumnName("created_at");
        builder.Property(d => d.UpdatedAt).HasColumnName("updated_at");
        builder.Property(d => d.ReadingsCount).HasColumnName("readings_count");
        builder.Property(d => d.LastReadingAt).HasColumnName("last_reading_at");
    }
}

internal sealed class SiteEntityConfiguration : IEntityTypeConfiguration<SiteEntity>
{
    public void Configure(EntityTypeBuilder<SiteEntity> builder)
    {
        builder.ToTable("sites");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).HasColumnName("id");
        builder.Property(s => s.Name).HasColumnName("name").HasMaxLength(100);
        builder.Property(s => s.Latitude).HasColumnName("latitude");
        builder.Property(s => s.Longitude).HasColumnName("longitude");
        builder.Property(s => s.Cloudiness).HasColumnName("cloudiness");
        builder.Property(s => s.Seed).HasColumnName("seed");
        builder.Property(s => s.CreatedAt).HasColumnName("created_at");
    }
}

internal sealed class MeasurementRowConfiguration : IEntityTypeConfiguration<MeasurementRow>
{
    public void Configure(EntityTypeBuilder<MeasurementRow> builder)
    {
        builder.ToTable("device_measurements");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).HasColumnName("id");
        builder.Property(m => m.DeviceId).HasColumnName("device_id");
        builder.Property(m => m.Timestamp).HasColumnName("timestamp");
        builder.Property(m => m.Power).HasColumnName("power");
        builder.Property(m => m.Voltage).HasColumnName("voltage");
        builder.Property(m => m.Current).HasColumnName("current");
        builder.Property(m => m.PowerFactor).HasColumnName("power_factor");
        builder.Property(m => m.EnergyKwh).HasColumnName("energy_kwh");
        builder.Property(m => m.Extra).HasColumnName("extra");

        // Serves every query the UI makes: one device over a time range, and the latest reading per device.
        builder.HasIndex(m => new { m.DeviceId, m.Timestamp }).HasDatabaseName("ix_device_measurements_device_time");

        // Fleet-wide time filters (data view, retention) without scanning every device's range.
        builder.HasIndex(m => m.Timestamp).HasDatabaseName("ix_device_measurements_time");
    }
}

internal sealed class AppSettingConfiguration : IEntityTypeConfiguration<AppSetting>
{
    public void Configure(EntityTypeBuilder<AppSetting> builder)
    {
        builder.ToTable("app_settings");
        builder.HasKey(s => s.Key);
        builder.Property(s => s.Key).HasColumnName("key").HasMaxLength(200);
        builder.Property(s => s.Value).HasColumnName("value");
        builder.Property(s => s.UpdatedAt).HasColumnName("updated_at");
    }
}
