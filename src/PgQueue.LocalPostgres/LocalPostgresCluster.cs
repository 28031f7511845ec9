using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace PgQueue.LocalPostgres;

/// <summary>
/// A throwaway PostgreSQL cluster in a fresh temporary directory, listening on a free loopback port with trust
/// authentication for the superuser <c>postgres</c>. Disposing it stops the server and deletes the directory. If nobody
/// disposes it, a normal process exit (<see cref="AppDomain.ProcessExit"/>) does the same, and a watchdog process does it
/// within a second or two after this process ends any other way (Ctrl+C nobody handled, SIGTERM, SIGKILL, crash).
/// </summary>
/// <example>
/// <code>
/// await using var cluster = await LocalPostgresCluster.StartAsync();
/// var connectionString = await cluster.CreateDatabaseAsync("pgqueue_test");
/// </code>
/// </example>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private const string Superuser = "postgres";
    private const string DefaultDatabase = "postgres";
    private const int PortAttempts = 5;

    private static readonly TimeSpan ProcessExitStopTimeout = TimeSpan.FromSeconds(10);

    private readonly ILogger _logger;
    private readonly ServerAccount _account;
    private readonly string _clusterDirectory;
    private readonly string _socketDirectory;
    private readonly bool _fsync;
    private readonly KeyValuePair<string, string>[] _extraSettings;
    private readonly int _timeoutSeconds;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private ExitWatchdog? _watchdog;
    private int _disposed;

    private LocalPostgresCluster(LocalPostgresOptions options, ILogger logger, string binDirectory, ServerAccount account, string clusterDirectory)
    {
        _logger = logger;
        _account = account;
        _clusterDirectory = clusterDirectory;
        _socketDirectory = Path.Combine(clusterDirectory, "socket");
        _fsync = options.Fsync;
        _extraSettings = [.. options.ServerSettings];
        _timeoutSeconds = (int)Math.Ceiling(options.StartTimeout.TotalSeconds);
        BinDirectory = binDirectory;
        DataDirectory = Path.Combine(clusterDirectory, "data");
        LogFile = Path.Combine(clusterDirectory, "postgres.log");
    }

    /// <summary>Gets the loopback TCP port the server listens on. It stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>
    /// Gets the Npgsql connection string for the database <c>postgres</c> as the superuser <c>postgres</c>
    /// (<c>Host=127.0.0.1;Port=…;Username=postgres;Database=postgres</c>).
    /// </summary>
    public string ConnectionString => GetConnectionString(DefaultDatabase);

    /// <summary>Gets the cluster's data directory (inside a temporary directory that disposal deletes).</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the directory of the PostgreSQL programs the cluster runs.</summary>
    public string BinDirectory { get; }

    /// <summary>Gets the server's log file, useful when a test wants to see what the server said.</summary>
    public string LogFile { get; }

    /// <summary>
    /// Creates a cluster with initdb in a new temporary directory and starts it on a free loopback port.
    /// </summary>
    /// <param name="options">Where the binaries are, durability, extra server settings, a logger; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the start; whatever was created is removed.</param>
    /// <returns>The running cluster; dispose it to stop and remove it.</returns>
    /// <exception cref="LocalPostgresException">
    /// No PostgreSQL binaries were found (the message lists where it looked), the OS user could not be set up, or initdb or
    /// the server failed (the message includes the tail of the server log).
    /// </exception>
    public static async Task<LocalPostgresCluster> StartAsync(LocalPostgresOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new LocalPostgresOptions();
        var logger = options.Logger ?? NullLogger.Instance;
        var (binDirectory, source) = await PostgresBinaryLocator.LocateAsync(options.BinDirectory, cancellationToken).ConfigureAwait(false);
        Log.BinariesFound(logger, binDirectory, source);
        var account = await ServerAccount.ResolveAsync(logger, cancellationToken).ConfigureAwait(false);

        var clusterDirectory = Directory.CreateTempSubdirectory("pgqueue-pg-").FullName;
        var cluster = new LocalPostgresCluster(options, logger, binDirectory, account, clusterDirectory);
        try
        {
            cluster.GuardAgainstProcessExit();
            await cluster.InitializeAsync(cancellationToken).ConfigureAwait(false);
            await cluster.StartServerAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Gets the connection string for another database of this cluster, as the superuser <c>postgres</c>.</summary>
    /// <param name="database">The database name.</param>
    /// <returns>An Npgsql connection string.</returns>
    public string GetConnectionString(string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        return new NpgsqlConnectionStringBuilder
        {
            Host = IPAddress.Loopback.ToString(),
            Port = Port,
            Username = Superuser,
            Database = database,
        }.ConnectionString;
    }

    /// <summary>Creates a database, optionally as a copy of a template database.</summary>
    /// <param name="name">The new database's name.</param>
    /// <param name="template">A database to copy (it must have no other connections), or null for <c>template1</c>.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>The connection string for the new database.</returns>
    /// <exception cref="PostgresException">The server refused, e.g. the database exists already (SQLSTATE 42P04).</exception>
    public async Task<string> CreateDatabaseAsync(string name, string? template = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ThrowIfDisposed();

        // Pooling off: an idle pooled connection to a template would make the next copy of it fail.
        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;
        var connection = new NpgsqlConnection(connectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            string createDatabase;
            // CREATE DATABASE takes no parameters; the server quotes the identifiers.
            var format = new NpgsqlCommand(
                "SELECT CASE WHEN $2 IS NULL THEN format('CREATE DATABASE %I', $1) ELSE format('CREATE DATABASE %I TEMPLATE %I', $1, $2) END",
                connection);
            await using (format.ConfigureAwait(false))
            {
                format.Parameters.Add(new NpgsqlParameter { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
                format.Parameters.Add(new NpgsqlParameter { Value = (object?)template ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
                createDatabase = (string)(await format.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            var create = new NpgsqlCommand(createDatabase, connection);
            await using (create.ConfigureAwait(false))
            {
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        Log.DatabaseCreated(_logger, name);
        return GetConnectionString(name);
    }

    /// <summary>
    /// Stops the server with a fast shutdown (<c>pg_ctl stop -m fast</c>: sessions are disconnected, data is kept).
    /// <see cref="RestartAsync"/> starts it again on the same port. Does nothing if the server is not running.
    /// </summary>
    /// <param name="cancellationToken">Observed before and after pg_ctl, which always runs to its end (at most <see cref="LocalPostgresOptions.StartTimeout"/>).</param>
    /// <exception cref="LocalPostgresException">pg_ctl failed.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ServerMayBeRunning)
            {
                return;
            }

            var output = await PgCtlAsync(["stop", "-m", "fast", "-w", "-t", Seconds, "-D", DataDirectory], cancellationToken).ConfigureAwait(false);
            if (!output.Succeeded)
            {
                throw Failure("pg_ctl stop", output);
            }

            Log.Stopped(_logger, Port);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Restarts the server with a fast shutdown (<c>pg_ctl restart -m fast</c>) on the same port: every session is
    /// disconnected, committed data stays. Starts the server if it was stopped.
    /// </summary>
    /// <param name="cancellationToken">Observed before and after pg_ctl, which always runs to its end (at most <see cref="LocalPostgresOptions.StartTimeout"/>).</param>
    /// <exception cref="LocalPostgresException">The server did not come back; the message includes the log's tail.</exception>
    /// <exception cref="ObjectDisposedException">The cluster was disposed.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var output = await PgCtlAsync(
                    ["restart", "-m", "fast", "-w", "-t", Seconds, "-D", DataDirectory, "-l", LogFile, "-o", ServerArguments()],
                    cancellationToken)
                .ConfigureAwait(false);
            if (!output.Succeeded)
            {
                throw Failure("pg_ctl restart", output);
            }

            Log.Restarted(_logger, Port);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops the server at once (<c>pg_ctl stop -m immediate</c>) and deletes the cluster's directory. Safe to call more
    /// than once; failures to clean up are logged, not thrown.
    /// </summary>
    /// <returns>A task that completes when the cluster is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        _watchdog?.Dispose();
        try
        {
            if (ServerMayBeRunning)
            {
                await PgCtlAsync(StopImmediately, CancellationToken.None).ConfigureAwait(false);
            }

            await DeleteClusterDirectoryAsync().ConfigureAwait(false);
            Log.Removed(_logger, _clusterDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LocalPostgresException)
        {
            Log.CleanupFailed(_logger, e, _clusterDirectory);
        }

        _lifecycle.Dispose();
    }

    private string Seconds => _timeoutSeconds.ToString(CultureInfo.InvariantCulture);

    private string[] StopImmediately => ["stop", "-m", "immediate", "-w", "-t", Seconds, "-D", DataDirectory];

    private bool ServerMayBeRunning => File.Exists(Path.Combine(DataDirectory, "postmaster.pid"));

    private void GuardAgainstProcessExit()
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        if (!OperatingSystem.IsWindows())
        {
            _watchdog = ExitWatchdog.Start(_clusterDirectory, PgCtlStartInfo(StopImmediately));
        }
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_socketDirectory);
        await _account.TakeOwnershipAsync(_clusterDirectory, cancellationToken).ConfigureAwait(false);
        Log.Initializing(_logger, DataDirectory);
        var output = await ExternalProcess.RunAsync(
                _account.StartInfo(
                    Path.Combine(BinDirectory, "initdb"),
                    ["-D", DataDirectory, "-U", Superuser, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"],
                    _clusterDirectory),
                cancellationToken)
            .ConfigureAwait(false);
        if (!output.Succeeded)
        {
            throw new LocalPostgresException($"initdb failed (exit code {output.ExitCode}): {output.Text}");
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            Port = FreeLoopbackPort();
            var logLengthBefore = File.Exists(LogFile) ? new FileInfo(LogFile).Length : 0;
            var output = await PgCtlAsync(
                    ["start", "-w", "-t", Seconds, "-D", DataDirectory, "-l", LogFile, "-o", ServerArguments()],
                    cancellationToken)
                .ConfigureAwait(false);
            if (output.Succeeded)
            {
                Log.Started(_logger, Port, DataDirectory);
                return;
            }

            // Another process may bind the port between our probe and the server's bind.
            if (attempt < PortAttempts && IsPortConflict(ReadLogFrom(logLengthBefore)))
            {
                Log.PortTaken(_logger, Port);
                continue;
            }

            throw Failure("pg_ctl start", output);
        }
    }

    private string ServerArguments()
    {
        List<KeyValuePair<string, string>> settings =
        [
            new("listen_addresses", IPAddress.Loopback.ToString()),
            new("port", Port.ToString(CultureInfo.InvariantCulture)),
            new("unix_socket_directories", _socketDirectory),
            new("max_connections", "300"),
            new("shared_buffers", "256MB"),
        ];
        if (!_fsync)
        {
            settings.Add(new("fsync", "off"));
            settings.Add(new("synchronous_commit", "off"));
            settings.Add(new("full_page_writes", "off"));
        }

        settings.AddRange(_extraSettings);
        // pg_ctl hands -o to /bin/sh, so each setting is one single-quoted word.
        return string.Join(' ', settings.Select(s => $"-c {ShellQuote($"{s.Key}={s.Value}")}"));
    }

    private static string ShellQuote(string word) => $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    private static bool IsPortConflict(string log) =>
        log.Contains("could not bind", StringComparison.Ordinal)
        || log.Contains("Address already in use", StringComparison.Ordinal)
        || log.Contains("could not create any TCP/IP sockets", StringComparison.Ordinal);

    private async Task<ProcessOutput> PgCtlAsync(string[] arguments, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // pg_ctl always runs to its end (it is bounded by -t): killing it half way would kill a starting server with it and
        // leave a stale postmaster.pid, or leave a server running that no postmaster.pid check would find yet.
        var output = await ExternalProcess.RunAsync(PgCtlStartInfo(arguments), CancellationToken.None).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return output;
    }

    private System.Diagnostics.ProcessStartInfo PgCtlStartInfo(string[] arguments) =>
        _account.StartInfo(Path.Combine(BinDirectory, "pg_ctl"), arguments, _clusterDirectory);

    private LocalPostgresException Failure(string command, ProcessOutput output) =>
        new($"{command} failed (exit code {output.ExitCode}) for the cluster in {DataDirectory} on port {Port}: {output.Text}" +
            $"{Environment.NewLine}Last lines of {LogFile}:{Environment.NewLine}{LogTail(20)}");

    private string ReadLogFrom(long offset)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private string LogTail(int lines)
    {
        var log = ReadLogFrom(0).TrimEnd();
        return log.Length == 0
            ? "(empty)"
            : string.Join(Environment.NewLine, log.Split('\n').TakeLast(lines));
    }

    private async Task DeleteClusterDirectoryAsync()
    {
        // Server processes may still be exiting for a moment after pg_ctl returns.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(_clusterDirectory))
                {
                    Directory.Delete(_clusterDirectory, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt)).ConfigureAwait(false);
            }
        }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _watchdog?.Dispose();
        try
        {
            if (ServerMayBeRunning)
            {
                ExternalProcess.Run(PgCtlStartInfo(StopImmediately), ProcessExitStopTimeout);
            }

            Directory.Delete(_clusterDirectory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or LocalPostgresException)
        {
            // The watchdog is gone too; nothing else can be done while the process exits.
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
