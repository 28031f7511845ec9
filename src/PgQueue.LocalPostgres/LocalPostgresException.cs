namespace PgQueue.LocalPostgres;

/// <summary>
/// Thrown when a local PostgreSQL cluster cannot be found, created, started or stopped.
/// The message says what was tried and includes the tail of the server log where there is one.
/// </summary>
public sealed class LocalPostgresException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What failed and why.</param>
    public LocalPostgresException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What failed and why.</param>
    /// <param name="innerException">The cause.</param>
    public LocalPostgresException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception with a default message.</summary>
    public LocalPostgresException()
    {
    }
}
