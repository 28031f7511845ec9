using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgQueue.Migrations;

/// <summary>
/// The migrator's own connection. It holds the session-level advisory lock that serializes migrators (DbUp takes no
/// lock of its own) for the whole upgrade, creates the schema DbUp's journal lives in, and cancels DbUp's statements on
/// cancellation. Needs a direct connection: a transaction-mode pooler would drop a session lock.
/// </summary>
internal sealed class MigrationSession : IAsyncDisposable
{
    private const string TryLock = "SELECT pg_try_advisory_lock(hashtextextended('pgqueue.migrate', 0))";
    private const string Lock = "SELECT pg_advisory_lock(hashtextextended('pgqueue.migrate', 0))";
    private const string Unlock = "SELECT pg_advisory_unlock(hashtextextended('pgqueue.migrate', 0))";

    // DbUp creates pgqueue.schema_versions before it runs the first script, so the schema must exist already; migration
    // 0001 then takes it over (CREATE SCHEMA IF NOT EXISTS, ALTER SCHEMA ... OWNER TO pgqueue_owner). Checking first
    // keeps later runs from needing CREATE on the database, which CREATE SCHEMA IF NOT EXISTS demands even when it exists.
    private const string CreateJournalSchema = """
        DO $$
        BEGIN
          IF to_regnamespace('pgqueue') IS NULL THEN
            CREATE SCHEMA pgqueue;
          END IF;
        END
        $$
        """;

    private const string CancelStatements = """
        SELECT count(pg_cancel_backend(a.pid))
        FROM pg_stat_activity AS a
        WHERE a.application_name = $1
          AND a.pid <> pg_backend_pid()
        """;

    private readonly NpgsqlConnection _connection;
    private readonly MigrationTarget _target;
    private readonly ILogger _logger;

    private MigrationSession(NpgsqlConnection connection, MigrationTarget target, ILogger logger)
    {
        _connection = connection;
        _target = target;
        _logger = logger;
    }

    /// <summary>
    /// Connects, takes the migration lock (waiting for another migrator to finish if one holds it) and makes sure the
    /// journal's schema exists.
    /// </summary>
    public static async Task<MigrationSession> LockAsync(MigrationTarget target, ILogger logger, CancellationToken cancellationToken)
    {
        var connection = await target.OpenAsync(target.SessionConnectionString, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await ScalarAsync<bool>(connection, TryLock, cancellationToken).ConfigureAwait(false))
            {
                Log.WaitingForLock(logger, target.Database);
                await ScalarAsync<object>(connection, Lock, cancellationToken).ConfigureAwait(false);
            }

            Log.LockTaken(logger, target.Database);
            await ScalarAsync<object>(connection, CreateJournalSchema, cancellationToken).ConfigureAwait(false);
            return new MigrationSession(connection, target, logger);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Cancels whatever statement DbUp's connection is running; returns how many backends were signalled.</summary>
    public async Task<long> CancelUpgradeStatementsAsync()
    {
        var command = new NpgsqlCommand(CancelStatements, _connection);
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = _target.UpgradeApplicationName });
            return (long)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ScalarAsync<bool>(_connection, Unlock, CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException e)
        {
            // Closing the session below releases the lock as well.
            Log.UnlockFailed(_logger, e, _target.Database);
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }
}
