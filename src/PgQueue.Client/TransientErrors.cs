using System.Net.Sockets;
using Npgsql;

namespace PgQueue;

/// <summary>
/// The one rule for which errors are worth retrying; the retry pipeline's <c>ShouldHandle</c> and the worker use it.
/// </summary>
public static class TransientErrors
{
    /// <summary>
    /// Tells whether <paramref name="exception"/> is transient: a serialization failure (<c>40001</c>), a deadlock
    /// (<c>40P01</c>), an administrator shutdown (<c>57P01</c>), too many connections (<c>53300</c>), or a lost or
    /// timed-out connection (<see cref="NpgsqlException.IsTransient"/>, <see cref="IOException"/>,
    /// <see cref="SocketException"/>, <see cref="TimeoutException"/>).
    /// </summary>
    /// <remarks>
    /// Never true for <see cref="OperationCanceledException"/>: cancellation asked for by the caller is not retried.
    /// Contract errors (<see cref="PgQueueException"/>) and every other SQLSTATE are not transient.
    /// </remarks>
    /// <param name="exception">The exception to classify.</param>
    /// <returns><see langword="true"/> if repeating the whole unit of work may succeed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="exception"/> is null.</exception>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            OperationCanceledException => false,
            PostgresException postgres => postgres.SqlState is
                PostgresErrorCodes.SerializationFailure or
                PostgresErrorCodes.DeadlockDetected or
                PostgresErrorCodes.AdminShutdown or
                PostgresErrorCodes.TooManyConnections,
            NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
            IOException or SocketException or TimeoutException => true,
            _ => false,
        };
    }
}
