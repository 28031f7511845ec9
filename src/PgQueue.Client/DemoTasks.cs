using Npgsql;

namespace PgQueue;

/// <summary>
/// The demo handlers: <c>demo.sleep</c>, a stand-in for real work that the Lambda, the HTTP API and the worker host
/// register by default, and that the local runner, the tests and a first deployment use.
/// </summary>
/// <remarks>
/// <c>demo.sleep</c>'s payload is a <see cref="SleepTask"/>:
/// <c>{"sleepMs": 2000}</c> sleeps 2 s; <c>"fail": true</c> then fails every attempt, <c>"failAttempts": 2</c> only the
/// first two (<c>"error": "…"</c> sets the message); <c>"record": true</c> inserts a row into <see cref="RecordTable"/> in the task's transaction, so the row
/// commits exactly when the task completes (create the table first with <see cref="CreateRecordTableSql"/>);
/// <c>"logStart": true</c> first inserts a row into <see cref="StartTable"/> on a separate autocommit connection, so
/// the row stays even when the task's transaction rolls back (chaos tests count redone tasks with it; create the table
/// with <see cref="CreateStartTableSql"/>).
/// </remarks>
public static class DemoTasks
{
    /// <summary>The task type of the sleeping task.</summary>
    public const string SleepTaskType = "demo.sleep";

    /// <summary>The table <c>"record": true</c> writes to: one row per completed task, committed with its completion.</summary>
    public const string RecordTable = "pgqueue_demo.lambda_task_runs";

    /// <summary>Creates <see cref="RecordTable"/> if it does not exist (needs CREATE on the database).</summary>
    public const string CreateRecordTableSql =
        "CREATE SCHEMA IF NOT EXISTS pgqueue_demo; " +
        "CREATE TABLE IF NOT EXISTS pgqueue_demo.lambda_task_runs (" +
        "seq bigserial PRIMARY KEY, task_id bigint NOT NULL, batch_id text NOT NULL, lease_token bigint NOT NULL, " +
        "attempt integer NOT NULL, finished_at timestamptz NOT NULL DEFAULT clock_timestamp())";

    private const int MaxSleepMs = 60_000;

    /// <summary>The table <c>"logStart": true</c> writes to: one row per start, committed before the work begins.</summary>
    public const string StartTable = "pgqueue_demo.lambda_task_starts";

    /// <summary>Creates <see cref="StartTable"/> if it does not exist (needs CREATE on the database).</summary>
    public const string CreateStartTableSql =
        "CREATE SCHEMA IF NOT EXISTS pgqueue_demo; " +
        "CREATE TABLE IF NOT EXISTS pgqueue_demo.lambda_task_starts (" +
        "seq bigserial PRIMARY KEY, task_id bigint NOT NULL, batch_id text NOT NULL, lease_token bigint NOT NULL, " +
        "attempt integer NOT NULL, started_at timestamptz NOT NULL DEFAULT clock_timestamp())";

    private const string StartSql =
        "INSERT INTO pgqueue_demo.lambda_task_starts (task_id, batch_id, lease_token, attempt) VALUES ($1, $2, $3, $4)";

    private const string RecordSql =
        "INSERT INTO pgqueue_demo.lambda_task_runs (task_id, batch_id, lease_token, attempt) VALUES ($1, $2, $3, $4)";

    /// <summary>Creates a registry with the demo handlers.</summary>
    /// <returns>A new registry with <see cref="SleepTaskType"/>.</returns>
    public static TaskHandlerRegistry CreateRegistry() => Register(new TaskHandlerRegistry());

    /// <summary>Adds the demo handlers to a registry.</summary>
    /// <param name="handlers">The registry.</param>
    /// <returns><paramref name="handlers"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handlers"/> is null.</exception>
    /// <exception cref="ArgumentException">The registry already has a <see cref="SleepTaskType"/> handler.</exception>
    public static TaskHandlerRegistry Register(TaskHandlerRegistry handlers)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        return handlers.Register<SleepTask>(SleepTaskType, SleepAsync);
    }

    private static async Task SleepAsync(TaskContext<SleepTask> task, CancellationToken cancellationToken)
    {
        var payload = task.Payload;
        if (payload.LogStart)
        {
            await LogStartAsync(task, cancellationToken).ConfigureAwait(false);
        }

        if (payload.SleepMs > 0)
        {
            // A task's transaction stays open while it sleeps: keep demo work well inside any lease.
            await Task.Delay(Math.Min(payload.SleepMs, MaxSleepMs), cancellationToken).ConfigureAwait(false);
        }

        if (payload.Fail || task.Attempts < payload.FailAttempts)
        {
            throw new InvalidOperationException(payload.Error
                ?? $"demo.sleep fails try {task.Attempts + 1} of task {task.TaskId}, as its payload asks");
        }

        if (payload.Record)
        {
            var command = new NpgsqlCommand(RecordSql, task.Connection, task.Transaction);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = task.TaskId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = task.BatchId });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = task.LeaseToken });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = task.Attempts + 1 });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // A clone of the task's connection keeps its credentials; outside the task's transaction the insert autocommits.
    private static async Task LogStartAsync(TaskContext<SleepTask> task, CancellationToken cancellationToken)
    {
        var connection = task.Connection.CloneWith(task.Connection.ConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(StartSql, connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = task.TaskId });
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = task.BatchId });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = task.LeaseToken });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = task.Attempts + 1 });
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

/// <summary>The payload of a <c>demo.sleep</c> task.</summary>
/// <param name="SleepMs">How long the task works, in milliseconds (at most 60000).</param>
/// <param name="Fail">Fail every attempt (the task ends dead after its attempts).</param>
/// <param name="FailAttempts">Fail only the first this many attempts.</param>
/// <param name="Record">Insert a row into <see cref="DemoTasks.RecordTable"/> in the task's transaction.</param>
/// <param name="LogStart">First insert a row into <see cref="DemoTasks.StartTable"/> on a separate autocommit connection.</param>
/// <param name="Error">The error message of a failing try, or <see langword="null"/> for the default one.</param>
public sealed record SleepTask(int SleepMs = 0, bool Fail = false, int FailAttempts = 0, bool Record = false, bool LogStart = false, string? Error = null);
