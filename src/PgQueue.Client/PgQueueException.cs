using Npgsql;

namespace PgQueue;

/// <summary>
/// A contract error raised by a <c>pgqueue</c> function with one of the <see cref="PgQueueErrorCodes"/>.
/// The typed subclasses (<see cref="LeaseLostException"/>, <see cref="InvalidBatchIdException"/>,
/// <see cref="NotHeadTaskException"/>, <see cref="InvalidQueueArgumentException"/>) are what callers catch; the
/// <see cref="Exception.InnerException"/> is the <see cref="PostgresException"/> the database raised.
/// </summary>
public class PgQueueException : Exception
{
    /// <summary>Creates an exception for a contract error.</summary>
    /// <param name="message">The database's message, which names the offending value.</param>
    /// <param name="sqlState">The SQLSTATE, one of <see cref="PgQueueErrorCodes"/>.</param>
    /// <param name="innerException">The <see cref="PostgresException"/> this error was mapped from, if any.</param>
    public PgQueueException(string message, string sqlState, Exception? innerException = null)
        : base(message, innerException)
    {
        SqlState = sqlState;
    }

    /// <summary>The SQLSTATE the function raised, one of <see cref="PgQueueErrorCodes"/>.</summary>
    public string SqlState { get; }

    internal static bool IsContractError(PostgresException exception) =>
        exception.SqlState.StartsWith("PQ", StringComparison.Ordinal);

    // The one place where database errors become PgQueue errors.
    internal static PgQueueException FromPostgres(PostgresException exception)
    {
        var message = string.IsNullOrEmpty(exception.Hint) ? exception.MessageText : $"{exception.MessageText} ({exception.Hint})";
        return exception.SqlState switch
        {
            PgQueueErrorCodes.LeaseNotHeld => new LeaseLostException(message, exception),
            PgQueueErrorCodes.InvalidBatchId => new InvalidBatchIdException(message, exception),
            PgQueueErrorCodes.NotHeadTask => new NotHeadTaskException(message, exception),
            PgQueueErrorCodes.InvalidArgument => new InvalidQueueArgumentException(message, exception),
            _ => new PgQueueException(message, exception.SqlState, exception),
        };
    }
}
