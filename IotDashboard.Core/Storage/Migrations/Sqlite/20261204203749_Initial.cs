using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace IotDashboard.Core.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "app_settings",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    value = table.Column<string>(type: "TEXT", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_app_settings", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "device_measurements",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    device_id = table.Column<int>(type: "INTEGER", nullable: false),
                    timestamp = table.Column<long>(type: "INTEGER", nullable: false),
                    power = table.Column<double>(type: "REAL", nullable: false),
                    voltage = table.Column<double>(type: "REAL", nullable: false),
                    current = table.Column<double>(type: "REAL", nullable: false),
                    power_factor = table.Column<double>(type: "REAL", nullable: false),
                    energy_kwh = table.Column<double>(type: "REAL", nullable: false),
                    extra = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_device_measurements", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sites",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    latitude = table.Column<double>(type: "REAL", nullable: false),
                    longitude = table.Column<double>(type: "REAL", nullable: false),
                    cloudiness = table.Column<double>(type: "REAL", nullable: false),
                    seed = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_sites", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "device_configs",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    external_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    device_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    site_id = table.Column<int>(type: "INTEGER", nullable: true),
                    interval_ms = table.Column<int>(type: "INTEGER", nullable: false),
                    parameters = table.Column<string>(type: "TEXT", nullable: false),
                    seed = table.Column<long>(type: "INTEGER", nullable: false),
                    status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    created_at = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<long>(type: "INTEGER", nullable: false),
                    readings_count = table.Column<long>(type: "INTEGER", nullable: false),
                    last_reading_at = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_device_configs", x => x.id);
                    table.ForeignKey(
                        name: "FK_device_configs_sites_site_id",
                        column: x => x.site_id,
                        principalTable: "sites",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_device_configs_device_type",
                table: "device_configs",
                column: "device_type");

            migrationBuilder.CreateIndex(
                name: "IX_device_configs_external_id",
                table: "device_configs",
                column: "external_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_device_configs_site_id",
                table: "device_configs",
                column: "site_id");

            migrationBuilder.CreateIndex(
                name: "ix_device_measurements_device_time",
                table: "device_measurements",
                columns: new[] { "device_id", "timestamp" });

            migrationBuilder.CreateIndex(
                name: "ix_device_measurements_time",
                table: "device_measurements",
                column: "timestamp");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "app_settings");

            migrationBuilder.DropTable(
                name: "device_configs");

            migrationBuilder.DropTable(
                name: "device_measurements");

            migrationBuilder.DropTable(
                name: "sites");
        }
    }
}
