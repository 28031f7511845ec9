namespace PgQueue;

/// <summary>
/// An argument of a <c>pgqueue</c> function is invalid (<c>PQ004</c>): an empty worker id, a non-positive lease, a
/// payload over the limit, ….
/// </summary>
public sealed class InvalidQueueArgumentException : PgQueueException
{
    /// <summary>Creates the exception with the database's message.</summary>
    /// <param name="message">The message, which names the offending value.</param>
    /// <param name="innerException">The <see cref="Npgsql.PostgresException"/> this error was mapped from, if any.</param>
    public InvalidQueueArgumentException(string message, Exception? innerException = null)
        : base(message, PgQueueErrorCodes.InvalidArgument, innerException)
    {
    }
}
