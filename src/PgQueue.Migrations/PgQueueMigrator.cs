using System.Diagnostics;
using DbUp;
using DbUp.Engine;
using DbUp.Postgresql;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace PgQueue.Migrations;

/// <summary>
/// Brings a database's <c>pgqueue</c> schema up to date with the SQL embedded in this assembly (<c>database/</c> in the
/// repository): new migrations once each, journaled in <c>pgqueue.schema_versions</c>, then every function and every view
/// again, all in one transaction.
/// </summary>
public static class PgQueueMigrator
{
    /// <summary>
    /// Migrates the database. Safe to run from several processes at once: a session-level advisory lock
    /// (<c>hashtextextended('pgqueue.migrate', 0)</c>) makes them take turns, and the later ones find nothing new to apply.
    /// </summary>
    /// <param name="connectionString">
    /// An Npgsql connection string for a role that may create the schema and roles (a superuser, or the owner of the
    /// database with CREATEROLE). Use a direct connection, not a transaction-mode pooler: the lock is session-level.
    /// Without a <c>Command Timeout</c> in it, statements have no time limit.
    /// </param>
    /// <param name="logger">Receives progress at Information and DbUp's own messages at Debug; null for none.</param>
    /// <param name="cancellationToken">
    /// Cancels waiting for the lock or the running upgrade; a cancelled upgrade rolls back entirely.
    /// </param>
    /// <returns>The migrations applied and the function and view scripts re-applied.</returns>
    /// <exception cref="InvalidConnectionStringException">The connection string is empty, malformed, or names no host.</exception>
    /// <exception cref="DatabaseConnectionException">The server is unreachable, or refused the login or the database.</exception>
    /// <exception cref="MigrationException">A script failed; nothing of this run was committed.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled; nothing of this run was committed.</exception>
    public static async Task<MigrationResult> MigrateAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        var target = MigrationTarget.Parse(connectionString);
        var stopwatch = Stopwatch.StartNew();

        var session = await MigrationSession.LockAsync(target, logger, cancellationToken).ConfigureAwait(false);
        DatabaseUpgradeResult upgrade;
        await using (session.ConfigureAwait(false))
        {
            upgrade = await UpgradeAsync(target, session, logger, cancellationToken).ConfigureAwait(false);
        }

        if (!upgrade.Successful)
        {
            throw Failure(upgrade);
        }

        var names = upgrade.Scripts.Select(script => script.Name).ToList();
        var result = new MigrationResult(
            names.Where(ScriptGroups.IsMigration).ToList(),
            names.Where(name => !ScriptGroups.IsMigration(name)).ToList(),
            stopwatch.Elapsed);
        Log.Migrated(logger, target.Database, result.AppliedMigrations.Count, result.ReappliedScripts.Count, stopwatch.ElapsedMilliseconds);
        return result;
    }

    private static async Task<DatabaseUpgradeResult> UpgradeAsync(
        MigrationTarget target, MigrationSession session, ILogger logger, CancellationToken cancellationToken)
    {
        var dataSource = NpgsqlDataSource.Create(target.UpgradeConnectionString);
        await using (dataSource.ConfigureAwait(false))
        {
            var engine = DeployChanges.To
                .PostgresqlDatabase(new PostgresqlConnectionManager(dataSource))
                .WithPgQueueScripts()
                .JournalToPostgresqlTable("pgqueue", "schema_versions")
                .WithTransaction()
                .WithVariablesDisabled()
                .LogTo(new UpgradeLog(logger))
                .Build();
            engine.ScriptExecuted += (_, e) => LogScript(logger, ((ScriptExecutedEventArgs)e).Script.Name);

            // DbUp is synchronous. It runs on the pool so that the caller's token can still cancel it: the session
            // cancels DbUp's running statement, which fails the upgrade and rolls the whole transaction back.
            var upgrade = Task.Run(engine.PerformUpgrade, CancellationToken.None);
            try
            {
                return await upgrade.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Log.Cancelling(logger, target.Database);
                // Between two statements there is nothing to cancel, so keep trying until DbUp gives up.
                while (!upgrade.IsCompleted)
                {
                    await session.CancelUpgradeStatementsAsync().ConfigureAwait(false);
                    await Task.WhenAny(upgrade, Task.Delay(TimeSpan.FromMilliseconds(200), CancellationToken.None)).ConfigureAwait(false);
                }

                var result = await upgrade.ConfigureAwait(false);
                // Finished and committed before the cancellation took hold: report what was done.
                return result.Successful
                    ? result
                    : throw new OperationCanceledException("The migration was cancelled and rolled back.", result.Error, cancellationToken);
            }
        }
    }

    private static void LogScript(ILogger logger, string scriptName)
    {
        if (ScriptGroups.IsMigration(scriptName))
        {
            Log.MigrationRan(logger, scriptName);
        }
        else
        {
            Log.ScriptReapplied(logger, scriptName);
        }
    }

    private static MigrationException Failure(DatabaseUpgradeResult upgrade)
    {
        var error = upgrade.Error;
        var scriptName = upgrade.ErrorScript?.Name ?? error?.Data["Error occurred in script: "] as string;
        var postgres = error as PostgresException ?? error?.InnerException as PostgresException;
        var what = scriptName is null ? "migration failed, nothing was committed" : $"migration script {scriptName} failed, nothing was committed";
        var why = postgres is null ? error?.Message ?? "DbUp reported a failure without an error" : Describe(postgres);
        return new MigrationException(OneLine($"{what}: {why}"), scriptName, (Exception?)postgres ?? error);
    }

    private static string Describe(PostgresException error)
    {
        var position = error.Position > 0 ? $" (at character {error.Position} of the statement)" : string.Empty;
        var hint = error.Hint is { Length: > 0 } text ? $"; hint: {text}" : string.Empty;
        return $"{error.SqlState}: {error.MessageText}{position}{hint}";
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
