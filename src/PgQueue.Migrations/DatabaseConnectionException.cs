namespace PgQueue.Migrations;

/// <summary>
/// Thrown when the migrator cannot open its connection: the server is unreachable (the message gives host:port and the
/// socket error), or it refused the login or the database. The message is one line.
/// </summary>
public sealed class DatabaseConnectionException : Exception
{
    /// <summary>Creates an exception for a failed connection.</summary>
    /// <param name="message">One line: where it tried to connect and what went wrong.</param>
    /// <param name="host">The host from the connection string.</param>
    /// <param name="port">The port from the connection string.</param>
    /// <param name="innerException">The driver's exception.</param>
    public DatabaseConnectionException(string message, string host, int port, Exception innerException)
        : base(message, innerException)
    {
        Host = host;
        Port = port;
    }

    /// <summary>Gets the host the migrator tried to reach.</summary>
    public string Host { get; }

    /// <summary>Gets the port the migrator tried to reach.</summary>
    public int Port { get; }
}
