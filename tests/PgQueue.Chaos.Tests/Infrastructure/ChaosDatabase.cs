using Npgsql;
using PgQueue.LocalPostgres;
using PgQueue.Migrations;
using PgQueue.Tests.Infrastructure;

namespace PgQueue.Chaos.Tests.Infrastructure;

/// <summary>
/// A private throwaway PostgreSQL cluster on its own port for one chaos test: migrated with the real migrator, with the
/// demo tables the workers record into, and a login (<see cref="WorkerRole"/>) with nothing but <c>pgqueue_worker</c>
/// and those tables. Restarting it disturbs no other test.
/// </summary>
public sealed class ChaosDatabase : IAsyncDisposable
{
    /// <summary>The role the worker processes log in as.</summary>
    public const string WorkerRole = "pgqueue_chaos_worker";

    public const string DatabaseName = "pgqueue_chaos";

    private ChaosDatabase(LocalPostgresCluster cluster, string connectionString)
    {
        Cluster = cluster;
        ConnectionString = connectionString;
    }

    public LocalPostgresCluster Cluster { get; }

    /// <summary>The migrated database, as the superuser (for arranging and inspecting).</summary>
    public string ConnectionString { get; }

    /// <summary>The workers' connection string: the database as <see cref="WorkerRole"/>, straight to the server.</summary>
    public string WorkerConnectionString => WorkerConnectionStringVia("127.0.0.1", Cluster.Port);

    public static async Task<ChaosDatabase> StartAsync()
    {
        var options = new LocalPostgresOptions();
        options.ServerSettings["max_connections"] = "200";
        var cluster = await LocalPostgresCluster.StartAsync(options);
        try
        {
            var connectionString = await cluster.CreateDatabaseAsync(DatabaseName);
            await PgQueueMigrator.MigrateAsync(connectionString);
            await Sql.ExecuteAsync(connectionString, DemoTasks.CreateRecordTableSql);
            await Sql.ExecuteAsync(connectionString, DemoTasks.CreateStartTableSql);
            await Sql.ExecuteAsync(connectionString,
                $"""
                CREATE ROLE {WorkerRole} LOGIN;
                GRANT pgqueue_worker TO {WorkerRole};
                GRANT USAGE ON SCHEMA pgqueue_demo TO {WorkerRole};
                GRANT INSERT ON pgqueue_demo.lambda_task_runs, pgqueue_demo.lambda_task_starts TO {WorkerRole};
                GRANT USAGE ON SEQUENCE pgqueue_demo.lambda_task_runs_seq_seq, pgqueue_demo.lambda_task_starts_seq_seq TO {WorkerRole};
                """);
            return new ChaosDatabase(cluster, connectionString);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The workers' connection string through another host and port (a pooler in front of the server).</summary>
    public static string WorkerConnectionStringVia(string host, int port) => new NpgsqlConnectionStringBuilder
    {
        Host = host,
        Port = port,
        Username = WorkerRole,
        Database = DatabaseName,
        SslMode = SslMode.Disable,
        Timeout = 5,
    }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await Cluster.DisposeAsync();
    }
}
