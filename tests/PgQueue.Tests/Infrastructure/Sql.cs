using Npgsql;

namespace PgQueue.Tests.Infrastructure;

/// <summary>Small helpers for arranging and inspecting the database in tests.</summary>
public static class Sql
{
    /// <summary>Runs a query and returns the first column of the first row.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql, params object?[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }
        var result = await command.ExecuteScalarAsync();
        return (T)result!;
    }

    /// <summary>Runs a statement.</summary>
    public static async Task ExecuteAsync(string connectionString, string sql, params object?[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Every row of the queue's tables (batches with their leases, pending and dead tasks) as one JSON text, to assert
    /// that a rejected call changed nothing at all.
    /// </summary>
    public static Task<string> SnapshotAsync(string connectionString) => ScalarAsync<string>(connectionString,
        "SELECT json_build_object(" +
        "'batches', (SELECT coalesce(json_agg(b ORDER BY b.batch_id), '[]') FROM pgqueue.batches AS b), " +
        "'tasks', (SELECT coalesce(json_agg(t ORDER BY t.id), '[]') FROM pgqueue.tasks AS t), " +
        "'dead', (SELECT coalesce(json_agg(d ORDER BY d.id), '[]') FROM pgqueue.dead_tasks AS d))::text");

    /// <summary>Row counts of the queue's tables, to assert that a rejected call changed nothing.</summary>
    public static async Task<QueueCounts> CountsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM pgqueue.tasks), (SELECT count(*) FROM pgqueue.batches), " +
            "(SELECT count(*) FROM pgqueue.dead_tasks), " +
            "(SELECT coalesce(sum(attempts), 0) FROM pgqueue.tasks)::bigint", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new QueueCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }
}

/// <summary>Row counts of pgqueue's tables (and the attempts charged so far).</summary>
public readonly record struct QueueCounts(long Tasks, long Batches, long DeadTasks, long Attempts);
