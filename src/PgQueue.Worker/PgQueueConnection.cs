using Microsoft.Extensions.Configuration;
using Npgsql;

namespace PgQueue.Worker;

/// <summary>
/// The database the host works on: <c>PgQueue:ConnectionString</c>, else the environment variable
/// <c>PGQUEUE_CONNECTION</c> (as the CLI and the API read it).
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

    /// <summary>
    /// The listener's connection string: its own physical connection (never pooled, so no pool recycles it), with TCP
    /// keepalives so a dead peer is noticed while it waits.
    /// </summary>
    public static string ForListening(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 30;
        }

        builder.ApplicationName ??= "pgqueue-worker-listen";
        return builder.ConnectionString;
    }
}
