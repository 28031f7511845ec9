namespace PgQueue;

/// <summary>The batch id is null or not 1–64 characters of <c>A-Z a-z 0-9 . _ : -</c> (<c>PQ002</c>).</summary>
public sealed class InvalidBatchIdException : PgQueueException
{
    /// <summary>Creates the exception with the database's message.</summary>
    /// <param name="message">The message, which names the offending value.</param>
    /// <param name="innerException">The <see cref="Npgsql.PostgresException"/> this error was mapped from, if any.</param>
    public InvalidBatchIdException(string message, Exception? innerException = null)
        : base(message, PgQueueErrorCodes.InvalidBatchId, innerException)
    {
    }
}
