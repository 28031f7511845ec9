using DbUp;
using Microsoft.Extensions.Logging.Abstractions;

namespace PgQueue.Migrations;

/// <summary>Tells whether a database's <c>pgqueue</c> schema has every migration this assembly ships.</summary>
public static class PgQueueMigrationStatus
{
    /// <summary>
    /// Lists the migrations embedded in this assembly that the database's journal (<c>pgqueue.schema_versions</c>) does
    /// not record yet. Reads the journal only; takes no lock and changes nothing. Functions and views are not listed:
    /// every migrate re-applies them.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string for a role that may read <c>pgqueue.schema_versions</c>.</param>
    /// <param name="cancellationToken">Stops waiting for the answer (the read itself runs to its end).</param>
    /// <returns>The names of the pending migrations (<c>migrations/NNNN_*.sql</c>), in the order they would run; empty when current.</returns>
    /// <exception cref="InvalidConnectionStringException">The connection string is empty, malformed, or names no host.</exception>
    /// <exception cref="Npgsql.NpgsqlException">The database could not be reached or read.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public static async Task<IReadOnlyList<string>> GetPendingMigrationsAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        MigrationTarget.Parse(connectionString);
        var engine = DeployChanges.To
            .PostgresqlDatabase(connectionString)
            .WithPgQueueScripts()
            .JournalToPostgresqlTable("pgqueue", "schema_versions")
            .WithVariablesDisabled()
            .LogTo(new UpgradeLog(NullLogger.Instance))
            .Build();

        // DbUp is synchronous: run it on the pool so the caller's token can stop the wait.
        var scripts = await Task.Run(engine.GetScriptsToExecute, CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        return scripts.Select(script => script.Name).Where(ScriptGroups.IsMigration).ToList();
    }
}
