using Npgsql;
using PgQueue.LocalPostgres;
using PgQueue.Migrations;
using PgQueue.Tests.Infrastructure;
using Respawn;
using Respawn.Graph;
using Xunit;

namespace PgQueue.Lambda.Tests.Infrastructure;

/// <summary>
/// A dedicated throwaway PostgreSQL cluster for the Lambda tests, with pg_stat_statements preloaded so that tests can
/// count the statements the function ran. The test database is migrated with the real migrator; the function logs in
/// as <see cref="LambdaRole"/>, a login with nothing but <c>pgqueue_worker</c> (and the demo table), through a
/// <see cref="WireProtocolCounter"/> that counts its round trips. Respawn empties the queue between tests.
/// </summary>
public sealed class LambdaDatabaseFixture : IAsyncLifetime
{
    /// <summary>The role the function logs in as; pg_stat_statements is filtered by it.</summary>
    public const string LambdaRole = "pgqueue_lambda_test";

    private LocalPostgresCluster? _cluster;
    private Respawner? _respawner;

    /// <summary>The migrated test database, as the superuser (for arranging and inspecting).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Counts the function's round trips; reset it before the invocation under test.</summary>
    public WireProtocolCounter Counter { get; private set; } = null!;

    /// <summary>The function's connection string: the test database as <see cref="LambdaRole"/>, through <see cref="Counter"/>.</summary>
    public string LambdaConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var options = new LocalPostgresOptions();
        options.ServerSettings["shared_preload_libraries"] = "pg_stat_statements";
        options.ServerSettings["pg_stat_statements.track"] = "top";
        options.ServerSettings["pg_stat_statements.track_utility"] = "on";
        _cluster = await LocalPostgresCluster.StartAsync(options);
        ConnectionString = await _cluster.CreateDatabaseAsync("pgqueue_lambda_tests");
        await PgQueueMigrator.MigrateAsync(ConnectionString);

        await Sql.ExecuteAsync(ConnectionString, DemoTasks.CreateRecordTableSql);
        await Sql.ExecuteAsync(ConnectionString,
            $"""
            CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{LambdaRole}') THEN
                CREATE ROLE {LambdaRole} LOGIN;
              END IF;
            END $$;
            GRANT pgqueue_worker TO {LambdaRole};
            GRANT USAGE ON SCHEMA pgqueue_demo TO {LambdaRole};
            GRANT INSERT ON pgqueue_demo.lambda_task_runs TO {LambdaRole};
            GRANT USAGE ON SEQUENCE pgqueue_demo.lambda_task_runs_seq_seq TO {LambdaRole};
            """);

        Counter = new WireProtocolCounter("127.0.0.1", _cluster.Port);
        var database = new NpgsqlConnectionStringBuilder(ConnectionString).Database;
        LambdaConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Counter.Port,
            Username = LambdaRole,
            Database = database,
            // The counter reads the protocol in the clear.
            SslMode = SslMode.Disable,
            GssEncryptionMode = GssEncryptionMode.Disable,
        }.ConnectionString;

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        _respawner = await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["pgqueue", "pgqueue_demo"],
            TablesToIgnore = [new Table("pgqueue", "settings"), new Table("pgqueue", "schema_versions")],
        });
    }

    /// <summary>Empties the queue and the demo table.</summary>
    public async Task ResetAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await _respawner!.ResetAsync(connection);
    }

    /// <summary>The statements <see cref="LambdaRole"/> ran in the test database since the last reset of the statistics.</summary>
    public async Task<IReadOnlyList<(string Query, long Calls)>> LambdaStatementsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT query, calls FROM pg_stat_statements " +
            "WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = $1) " +
            "AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY query", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = LambdaRole });
        var rows = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return rows;
    }

    /// <summary>Forgets every statement counted so far.</summary>
    public Task ResetStatementsAsync() => Sql.ExecuteAsync(ConnectionString, "SELECT pg_stat_statements_reset()");

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (Counter is not null)
        {
            await Counter.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LambdaDatabaseCollection : ICollectionFixture<LambdaDatabaseFixture>
{
    public const string Name = "lambda database";
}
