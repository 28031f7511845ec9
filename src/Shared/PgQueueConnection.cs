using Microsoft.Extensions.Configuration;
using Npgsql;

namespace PgQueue.Hosting;

/// <summary>
/// The database a PgQueue host (the HTTP API, the worker host) works on: <c>PgQueue:ConnectionString</c>, else the
/// environment variable <c>PGQUEUE_CONNECTION</c> (the CLI's). Kept whole, with its password, for the migration check
/// and the worker's listener; the client's data source hides it. One source file, compiled into both hosts.
/// </summary>
internal sealed class PgQueueConnection
{
    public const string ConfigurationKey = "PgQueue:ConnectionString";
    public const string EnvironmentVariable = "PGQUEUE_CONNECTION";

    private PgQueueConnection(string connectionString) => ConnectionString = connectionString;

    public string ConnectionString { get; }

    /// <exception cref="InvalidOperationException">No connection string is configured, or it is malformed.</exception>
    public static PgQueueConnection FromConfiguration(IConfiguration configuration)
    {
        var value = configuration[ConfigurationKey] is { Length: > 0 } configured ? configured : configuration[EnvironmentVariable];
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"No database is configured: set {ConfigurationKey} (environment: PgQueue__ConnectionString) or {EnvironmentVariable} " +
                "to an Npgsql connection string, e.g. Host=localhost;Username=app;Password=…;Database=app.");
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidOperationException($"The database connection string is malformed: {exception.Message}", exception);
        }

        return new PgQueueConnection(value);
    }
}
