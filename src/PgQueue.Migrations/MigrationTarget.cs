using System.Data.Common;
using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace PgQueue.Migrations;

/// <summary>
/// The database to migrate: the validated connection string, the two connection strings the migrator derives from it
/// (its own session and DbUp's), and one-line descriptions of connection failures.
/// </summary>
internal sealed class MigrationTarget
{
    private readonly NpgsqlConnectionStringBuilder _builder;
    private readonly bool _hasCommandTimeout;

    private MigrationTarget(NpgsqlConnectionStringBuilder builder, bool hasCommandTimeout)
    {
        _builder = builder;
        _hasCommandTimeout = hasCommandTimeout;
        // Lets the session find DbUp's backend to cancel it (application_name is at most 63 bytes).
        UpgradeApplicationName = $"pgqueue-migrate {Guid.NewGuid():N}";
    }

    public string Host => _builder.Host!;

    public int Port => _builder.Port;

    public string Database => _builder.Database ?? _builder.Username ?? "(the user's default)";

    public string UpgradeApplicationName { get; }

    public string SessionConnectionString => Derive("pgqueue-migrate lock", noCommandTimeout: true);

    public string UpgradeConnectionString => Derive(UpgradeApplicationName, noCommandTimeout: !_hasCommandTimeout);

    /// <exception cref="InvalidConnectionStringException">The string is empty, malformed, or names no host.</exception>
    public static MigrationTarget Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidConnectionStringException("invalid connection string: it is empty");
        }

        NpgsqlConnectionStringBuilder builder;
        DbConnectionStringBuilder raw;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
            raw = new DbConnectionStringBuilder { ConnectionString = connectionString };
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            throw new InvalidConnectionStringException($"invalid connection string: {ParseError(e)}", e);
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new InvalidConnectionStringException("invalid connection string: it names no Host");
        }

        if (builder.Port is < 1 or > 65535)
        {
            throw new InvalidConnectionStringException(
                $"invalid connection string: Port {builder.Port.ToString(CultureInfo.InvariantCulture)} is not between 1 and 65535");
        }

        return new MigrationTarget(builder, raw.ContainsKey("Command Timeout") || raw.ContainsKey("CommandTimeout"));
    }

    /// <summary>Opens a connection, turning a failure to connect into a one-line <see cref="DatabaseConnectionException"/>.</summary>
    public async Task<NpgsqlConnection> OpenAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (PostgresException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new DatabaseConnectionException(
                $"PostgreSQL at {Endpoint} refused the connection to database {Database}: {e.SqlState}: {e.MessageText}", Host, Port, e);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new DatabaseConnectionException($"cannot connect to PostgreSQL at {Endpoint}: {Reason(e)}", Host, Port, e);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private string Endpoint => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    private string Derive(string applicationName, bool noCommandTimeout)
    {
        var builder = new NpgsqlConnectionStringBuilder(_builder.ConnectionString)
        {
            ApplicationName = applicationName,
            // The migrator runs once per process; an idle pooled connection would only linger.
            Pooling = false,
            // Migration errors (a dependent view, a duplicate key) are unreadable without their DETAIL.
            IncludeErrorDetail = true,
        };
        if (noCommandTimeout)
        {
            // A migration (an index on a big table) or the wait for another migrator may take longer than Npgsql's 30 s.
            builder.CommandTimeout = 0;
        }

        return builder.ConnectionString;
    }

    // Npgsql says "Couldn't set port (Parameter 'port')" and puts the reason in the inner exception.
    private static string ParseError(Exception exception) => exception switch
    {
        ArgumentException { ParamName: { } keyword, InnerException: KeyNotFoundException } => $"unknown keyword '{keyword}'",
        ArgumentException { ParamName: { } keyword, InnerException: { } reason } => $"bad value for '{keyword}': {reason.Message}",
        _ => exception.Message,
    };

    private static string Reason(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException socket:
                    return socket.Message;
                case TimeoutException:
                    return "timed out";
            }
        }

        return exception.Message;
    }
}
