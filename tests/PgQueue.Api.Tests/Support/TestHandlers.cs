using Npgsql;
using PgQueue.Api.Handlers;

namespace PgQueue.Api.Tests.Support;

/// <summary>Handlers the tests enqueue for, registered the way a real app registers its own.</summary>
/// <param name="database">The database the API serves.</param>
public sealed class TestHandlers(TestDatabase database) : ITaskHandlerModule
{
    /// <summary>Writes a row to public.test_log in the task's transaction: it commits only if the task completes.</summary>
    public const string Record = "test.record";

    /// <summary>Expires its own lease from another connection, so completing the task raises PQ001.</summary>
    public const string ExpireLease = "test.expire-lease";

    public void Register(TaskHandlerRegistry registry)
    {
        registry.Register<System.Text.Json.JsonElement>(Record, async (task, cancellationToken) =>
        {
            await using var command = new NpgsqlCommand(
                "INSERT INTO public.test_log (task_id, batch_id, lease_token, kind) VALUES ($1, $2, $3, 'completed')",
                task.Connection, task.Transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = task.TaskId });
            command.Parameters.Add(new NpgsqlParameter { Value = task.BatchId });
            command.Parameters.Add(new NpgsqlParameter { Value = task.LeaseToken });
            await command.ExecuteNonQueryAsync(cancellationToken);
        });

        registry.Register<System.Text.Json.JsonElement>(ExpireLease, async (task, cancellationToken) =>
        {
            // Unreachable through the functions without waiting out a lease: arranged on the table, as tests may.
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                "UPDATE pgqueue.batches SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE batch_id = $1",
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = task.BatchId });
            await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }
}

/// <summary>The connection string of the database an <see cref="ApiFactory"/> serves, for test handlers.</summary>
/// <param name="ConnectionString">The connection string.</param>
public sealed record TestDatabase(string ConnectionString);
