namespace PgQueue;

/// <summary>
/// The task is not the head task of the lease's batch, or it is not found (<c>PQ003</c>). From <c>complete_task</c>
/// after a redrive it means: roll back and go on draining; the redriven task runs first.
/// </summary>
public sealed class NotHeadTaskException : PgQueueException
{
    /// <summary>Creates the exception with the database's message.</summary>
    /// <param name="message">The message, which names the offending value.</param>
    /// <param name="innerException">The <see cref="Npgsql.PostgresException"/> this error was mapped from, if any.</param>
    public NotHeadTaskException(string message, Exception? innerException = null)
        : base(message, PgQueueErrorCodes.NotHeadTask, innerException)
    {
    }
}
