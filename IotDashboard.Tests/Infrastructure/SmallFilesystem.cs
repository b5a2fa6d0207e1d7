namespace IotDashboard.Tests.Infrastructure;

/// <summary>
/// A tmpfs of a few megabytes mounted on a fresh folder: a disk that really fills up (ENOSPC), which the database
/// sees as "disk full". Root ignores file permissions, so a read-only folder would not fault anything; a full
/// filesystem faults even root. Needs CAP_SYS_ADMIN (root outside a restricted container).
/// </summary>
public sealed class SmallFilesystem : IAsyncDisposable
{
    private SmallFilesystem(string path) => Path = path;

    public string Path { get; }

    public static async Task<SmallFilesystem> MountAsync(int megabytes)
    {
        var path = Directory.CreateTempSubdirectory("iot-tmpfs-").FullName;
        var mount = TestEnvironment.FindExecutable("mount") ?? throw TestEnvironment.MissingDependency("mount (Debian package mount)");
        var result = await ProcessRunner.RunAsync(mount, ["-t", "tmpfs", "-o", $"size={megabytes}m,mode=0777", "tmpfs", path]);
        if (result.ExitCode != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException(
                $"The disk-full test mounts a {megabytes} MB tmpfs and needs root with CAP_SYS_ADMIN for that; mount said: {result.Output}");
        }

        return new SmallFilesystem(path);
    }

    /// <summary>Writes a file until the filesystem is full; returns how many bytes fitted.</summary>
    public long Fill(string name)
    {
        var buffer = new byte[64 * 1024];
        long written = 0;
        using var filler = new FileStream(System.IO.Path.Combine(Path, name), FileMode.Create, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                filler.Write(buffer);
                written += buffer.Length;
            }
        }
        catch (IOException)
        {
            // ENOSPC: full. Single bytes for the last partial block.
            try
            {
                while (true)
                {
                    filler.WriteByte(0);
                    written++;
                }
            }
            catch (IOException)
            {
                return written;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Lazy: a pooled SQLite handle still open elsewhere must not leave the mount behind.
        await ProcessRunner.RunAsync(TestEnvironment.FindExecutable("umount") ?? "umount", ["-l", Path]);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
