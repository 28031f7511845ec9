using Npgsql;

namespace PgQueue.Migrations;

/// <summary>
/// Thrown when a migration, function or view script fails. Nothing of the run was committed: the whole upgrade is one
/// transaction. The message is one line naming the script and the server's error.
/// </summary>
public sealed class MigrationException : Exception
{
    /// <summary>Creates an exception for a failed run.</summary>
    /// <param name="message">One line saying what failed.</param>
    /// <param name="scriptName">The failed script, like <c>functions/claim_batch.sql</c>; null if the run failed outside a script.</param>
    /// <param name="innerException">The cause, usually a <see cref="Npgsql.PostgresException"/>.</param>
    public MigrationException(string message, string? scriptName, Exception? innerException)
        : base(message, innerException)
    {
        ScriptName = scriptName;
    }

    /// <summary>Gets the script that failed, like <c>functions/claim_batch.sql</c>, or null if the run failed outside a script.</summary>
    public string? ScriptName { get; }

    /// <summary>Gets the server's error (SQLSTATE, message, position, hint), or null if the failure did not come from the server.</summary>
    public PostgresException? PostgresException => InnerException as PostgresException;
}
