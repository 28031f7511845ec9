namespace PgQueue;

/// <summary>
/// The lease is not held: it expired, was released or was taken over (<c>PQ001</c>). Stop working on the batch and
/// claim again; the task transaction must roll back.
/// </summary>
public sealed class LeaseLostException : PgQueueException
{
    /// <summary>Creates the exception with the database's message.</summary>
    /// <param name="message">The message, which names the offending value.</param>
    /// <param name="innerException">The <see cref="Npgsql.PostgresException"/> this error was mapped from, if any.</param>
    public LeaseLostException(string message, Exception? innerException = null)
        : base(message, PgQueueErrorCodes.LeaseNotHeld, innerException)
    {
    }
}
