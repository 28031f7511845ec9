using Npgsql;

namespace PgQueue.Tests.Infrastructure;

/// <summary>One row of <c>public.test_log</c>: what a handler recorded (<c>start</c>, <c>done</c>, …).</summary>
public sealed record TestLogRow(long Seq, long? TaskId, string? BatchId, long? LeaseToken, string? Worker, string? Kind);

/// <summary>
/// Writes and reads <c>public.test_log</c>. A row written in a task's transaction commits exactly when the task's
/// completion does; a row written on its own connection (autocommit) survives whatever happens to the task.
/// </summary>
public static class TestLog
{
    private const string InsertSql =
        "INSERT INTO public.test_log (task_id, batch_id, lease_token, worker, kind) VALUES ($1, $2, $3, $4, $5)";

    /// <summary>Inserts a row through <paramref name="connection"/>, inside <paramref name="transaction"/> if given.</summary>
    public static async Task InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long taskId, string batchId, long leaseToken,
        string worker, string kind, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
        AddParameters(command, taskId, batchId, leaseToken, worker, kind);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Inserts a row on a connection of its own, committed at once.</summary>
    public static async Task InsertAsync(
        NpgsqlDataSource dataSource, long taskId, string batchId, long leaseToken, string worker, string kind,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(InsertSql);
        AddParameters(command, taskId, batchId, leaseToken, worker, kind);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every row, in <c>seq</c> order.</summary>
    public static async Task<IReadOnlyList<TestLogRow>> ReadAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT seq, task_id, batch_id, lease_token, worker, kind FROM public.test_log ORDER BY seq", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<TestLogRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new TestLogRow(
                reader.GetInt64(0),
                reader.IsDBNull(1) ? null : reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return rows;
    }

    private static void AddParameters(NpgsqlCommand command, long taskId, string batchId, long leaseToken, string worker, string kind)
    {
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = taskId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = batchId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = leaseToken });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = worker });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
    }
}
