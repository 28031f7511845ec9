using Npgsql;
using PgQueue.LocalPostgres;
using PgQueue.Migrations;
using Respawn;
using Respawn.Graph;
using Testcontainers.PostgreSql;
using Xunit;

namespace PgQueue.Tests.Infrastructure;

/// <summary>
/// A real PostgreSQL for the whole test run, found in this order: PGQUEUE_TEST_CONNECTION (a server the tests may
/// create databases on), Testcontainers when a Docker engine answers, else a throwaway local cluster from the
/// machine's binaries. The test database is migrated once with the real migrator; Respawn empties it between tests.
/// </summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    private LocalPostgresCluster? _cluster;
    private PostgreSqlContainer? _container;
    private Respawner? _respawner;
    private readonly List<string> _createdDatabases = [];

    /// <summary>The migrated test database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>The server's maintenance database, for creating and dropping databases.</summary>
    public string ServerConnectionString { get; private set; } = "";

    /// <summary>Where the server came from, for the test log.</summary>
    public string Source { get; private set; } = "";

    /// <summary>The local cluster, when the fixture started one (chaos tests restart it).</summary>
    public LocalPostgresCluster? Cluster => _cluster;

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable("PGQUEUE_TEST_CONNECTION");
        if (!string.IsNullOrWhiteSpace(given))
        {
            ServerConnectionString = ToNpgsql(given);
            Source = "PGQUEUE_TEST_CONNECTION";
        }
        else if (await TryStartContainerAsync() is { } containerConnection)
        {
            ServerConnectionString = containerConnection;
            Source = "Testcontainers";
        }
        else
        {
            _cluster = await LocalPostgresCluster.StartAsync();
            ServerConnectionString = _cluster.ConnectionString;
            Source = "local cluster";
        }

        ConnectionString = await CreateDatabaseAsync("pgqueue_tests");
        await PgQueueMigrator.MigrateAsync(ConnectionString);
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "CREATE TABLE IF NOT EXISTS public.test_log (seq bigserial PRIMARY KEY, task_id bigint, batch_id text, " +
                "lease_token bigint, worker text, kind text, at timestamptz DEFAULT clock_timestamp())", connection);
            await command.ExecuteNonQueryAsync();
            _respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
            {
                DbAdapter = DbAdapter.Postgres,
                SchemasToInclude = ["pgqueue", "public"],
                TablesToIgnore = [new Table("pgqueue", "settings"), new Table("pgqueue", "schema_versions")],
            });
        }
    }

    /// <summary>Empties every queue and test table and restores default settings.</summary>
    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await _respawner!.ResetAsync(connection);
        await using var command = new NpgsqlCommand(
            "UPDATE pgqueue.settings SET lease = DEFAULT, max_attempts = DEFAULT, backoff_base = DEFAULT, " +
            "backoff_cap = DEFAULT, payload_limit_bytes = DEFAULT, keep_completed = DEFAULT", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Creates an empty database on the test server and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 13)];
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }
        _createdDatabases.Add(name);
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
            return;
        }
        if (_container is not null)
        {
            await _container.DisposeAsync();
            return;
        }
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        foreach (var name in _createdDatabases)
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    private async Task<string?> TryStartContainerAsync()
    {
        // Only ask Testcontainers when an engine could be there: with the docker CLI alone it would fail anyway.
        var dockerHost = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (string.IsNullOrEmpty(dockerHost) && !File.Exists("/var/run/docker.sock"))
        {
            return null;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            _container = new PostgreSqlBuilder("postgres:15-alpine").Build();
            await _container.StartAsync(timeout.Token);
            return _container.GetConnectionString();
        }
#pragma warning disable CA1031 // Any failure to reach Docker means "no engine": fall back to a local cluster.
        catch (Exception)
#pragma warning restore CA1031
        {
            if (_container is not null)
            {
                await _container.DisposeAsync();
                _container = null;
            }
            return null;
        }
    }

    /// <summary>Accepts an Npgsql connection string or a postgresql:// URL.</summary>
    internal static string ToNpgsql(string connection)
    {
        if (!connection.StartsWith("postgres://", StringComparison.Ordinal) &&
            !connection.StartsWith("postgresql://", StringComparison.Ordinal))
        {
            return connection;
        }
        var uri = new Uri(connection);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.Port > 0 ? uri.Port : 5432,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? Uri.UnescapeDataString(db) : "postgres",
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        builder.Username = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "postgres";
        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }
        return builder.ConnectionString;
    }
}

[CollectionDefinition(Name)]
public sealed class DatabaseCollection : ICollectionFixture<DatabaseFixture>
{
    public const string Name = "database";
}

/// <summary>Base for tests against the shared database: starts every test from an empty queue.</summary>
[Collection(DatabaseCollection.Name)]
public abstract class DatabaseTest(DatabaseFixture database) : IAsyncLifetime
{
    protected DatabaseFixture Database { get; } = database;

    public virtual Task InitializeAsync() => Database.ResetAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;
}
