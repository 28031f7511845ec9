using Npgsql;

namespace PgQueue.Tests.Infrastructure;

/// <summary>
/// A connection with an open transaction, the way a worker runs one task: dequeue, work, complete, commit. Disposing it
/// rolls back whatever was not committed.
/// </summary>
public sealed class TaskTransaction : IAsyncDisposable
{
    private TaskTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>The backend's process id, to terminate it as a crash would.</summary>
    public int ProcessId => Connection.ProcessID;

    public static async Task<TaskTransaction> BeginAsync(NpgsqlDataSource dataSource)
    {
        var connection = await dataSource.OpenConnectionAsync();
        try
        {
            var transaction = await connection.BeginTransactionAsync();
            // BEGIN travels with the first command; send it now so the backend is in a transaction from here on.
            await using (var command = new NpgsqlCommand("SELECT 1", connection, transaction))
            {
                await command.ExecuteScalarAsync();
            }

            return new TaskTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public Task CommitAsync() => Transaction.CommitAsync();

    public Task RollbackAsync() => Transaction.RollbackAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Transaction.DisposeAsync();
        }
        catch (NpgsqlException)
        {
            // A terminated backend cannot roll back; closing the connection is the rollback.
        }

        await Connection.DisposeAsync();
    }
}
