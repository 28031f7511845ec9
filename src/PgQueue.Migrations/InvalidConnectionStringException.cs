namespace PgQueue.Migrations;

/// <summary>
/// Thrown before anything connects when the connection string cannot be parsed or names no host.
/// The message says what is wrong and never repeats the connection string (it may hold a password).
/// </summary>
public sealed class InvalidConnectionStringException : ArgumentException
{
    /// <summary>Creates an exception saying what is wrong with the connection string.</summary>
    /// <param name="message">What is wrong, in one line.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public InvalidConnectionStringException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
