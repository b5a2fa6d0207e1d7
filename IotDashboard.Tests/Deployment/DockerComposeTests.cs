using IotDashboard.Tests.Infrastructure;

namespace IotDashboard.Tests.Deployment;

public sealed class DockerComposeTests
{
    [Fact]
    public async Task Compose_file_is_valid()
    {
        ProcessResult result = await RunComposeAsync("config", "-q");

        Assert.True(result.ExitCode == 0, $"docker-compose config rejected docker-compose.yml:\n{result.Output}");
    }

    [Fact]
    public async Task Compose_file_defines_the_app_with_its_database_and_broker()
    {
        ProcessResult result = await RunComposeAsync("config", "--services");

        Assert.Equal(0, result.ExitCode);
        string[] services = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["app", "mosquitto", "postgres"], services.Order());
    }

    private static async Task<ProcessResult> RunComposeAsync(params string[] arguments)
    {
        string compose = TestEnvironment.FindExecutable("docker-compose")
            ?? throw TestEnvironment.MissingDependency("docker-compose (Debian package docker-compose, installed with --no-install-recommends)");
        return await ProcessRunner.RunAsync(
            compose, ["-f", "docker-compose.yml", .. arguments], TestEnvironment.RepositoryRoot, TimeSpan.FromMinutes(1));
    }
}
