namespace PgQueue.Migrations;

/// <summary>What one <see cref="PgQueueMigrator.MigrateAsync"/> run did. Everything in it committed together.</summary>
public sealed class MigrationResult
{
    internal MigrationResult(IReadOnlyList<string> appliedMigrations, IReadOnlyList<string> reappliedScripts, TimeSpan duration)
    {
        AppliedMigrations = appliedMigrations;
        ReappliedScripts = reappliedScripts;
        Duration = duration;
    }

    /// <summary>
    /// Gets the migrations this run applied and journaled, in order, named like <c>migrations/0001_create_queue.sql</c>.
    /// Empty when the database was already up to date.
    /// </summary>
    public IReadOnlyList<string> AppliedMigrations { get; }

    /// <summary>
    /// Gets the function and view scripts this run re-applied, in order, named like <c>functions/claim_batch.sql</c> and
    /// <c>views/batch_status.sql</c>. Every run re-applies all of them.
    /// </summary>
    public IReadOnlyList<string> ReappliedScripts { get; }

    /// <summary>Gets how long the run took, including waiting for another migrator's lock.</summary>
    public TimeSpan Duration { get; }
}
