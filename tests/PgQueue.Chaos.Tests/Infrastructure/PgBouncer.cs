using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace PgQueue.Chaos.Tests.Infrastructure;

/// <summary>
/// A PgBouncer in transaction pooling mode in front of one database, on a free loopback port, run as the
/// <c>postgres</c> OS user (PgBouncer refuses to run as root) from an ini and userlist in a temporary directory.
/// </summary>
public sealed class PgBouncer : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/pgbouncer";

    private readonly Process _process;
    private readonly DirectoryInfo _directory;

    private PgBouncer(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Installs PgBouncer with apt-get when missing and this process is root.</summary>
    /// <returns>Null when PgBouncer is there, else why it cannot be (the test skips with that reason).</returns>
    public static async Task<string?> EnsureInstalledAsync()
    {
        if (File.Exists(Binary))
        {
            return null;
        }

        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/bin/apt-get"))
        {
            return $"{Binary} is missing and this is not root on a Debian-like system, so it cannot be installed";
        }

        var install = await RunAsync("/usr/bin/apt-get", "install", "-y", "-q", "pgbouncer");
        if (!File.Exists(Binary))
        {
            var update = await RunAsync("/usr/bin/apt-get", "update", "-q");
            install = await RunAsync("/usr/bin/apt-get", "install", "-y", "-q", "pgbouncer");
            install = update + install;
        }

        return File.Exists(Binary) ? null : $"apt-get install pgbouncer failed: {install[^Math.Min(install.Length, 600)..]}";
    }

    /// <summary>Starts PgBouncer for <paramref name="database"/> at 127.0.0.1:<paramref name="serverPort"/>, trusting <paramref name="user"/>.</summary>
    public static async Task<PgBouncer> StartAsync(string database, int serverPort, string user)
    {
        var directory = Directory.CreateTempSubdirectory("pgqueue-pgbouncer-");
        var port = FreePort();
        var ini = Path.Combine(directory.FullName, "pgbouncer.ini");
        var userlist = Path.Combine(directory.FullName, "userlist.txt");
        await File.WriteAllTextAsync(userlist, $"\"{user}\" \"\"\n");
        await File.WriteAllTextAsync(ini, string.Create(CultureInfo.InvariantCulture,
            $"""
            [databases]
            {database} = host=127.0.0.1 port={serverPort} dbname={database}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = trust
            auth_file = {userlist}
            pool_mode = transaction
            max_client_conn = 500
            default_pool_size = 20
            server_reset_query =
            ignore_startup_parameters = extra_float_digits
            logfile = {Path.Combine(directory.FullName, "pgbouncer.log")}
            pidfile = {Path.Combine(directory.FullName, "pgbouncer.pid")}

            """));

        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("/usr/bin/chown", "-R", "postgres", directory.FullName);
        }

        var start = asRoot
            ? new ProcessStartInfo("/usr/sbin/runuser", ["-u", "postgres", "--", Binary, ini])
            : new ProcessStartInfo(Binary, [ini]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var bouncer = new PgBouncer(process, directory, port);
        try
        {
            await bouncer.WaitUntilAcceptingAsync(database, user);
        }
        catch
        {
            await bouncer.DisposeAsync();
            throw;
        }

        return bouncer;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private async Task WaitUntilAcceptingAsync(string database, string user)
    {
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = Port, Database = database, Username = user, Pooling = false, SslMode = SslMode.Disable, Timeout = 2,
        }.ConnectionString;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync();
                return;
            }
            catch (Exception exception) when ((exception is NpgsqlException or SocketException or TimeoutException) && attempt < 50)
            {
                if (_process.HasExited)
                {
                    var log = Path.Combine(_directory.FullName, "pgbouncer.log");
                    throw new InvalidOperationException(
                        $"pgbouncer exited with {_process.ExitCode}: {(File.Exists(log) ? await File.ReadAllTextAsync(log) : "no log")}", exception);
                }

                await Task.Delay(200);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return await stdout + await stderr;
    }
}
