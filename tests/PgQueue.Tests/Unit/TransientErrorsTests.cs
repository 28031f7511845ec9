using System.Net.Sockets;
using Npgsql;
using Xunit;

namespace PgQueue.Tests.Unit;

public sealed class TransientErrorsTests
{
    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure)]
    [InlineData(PostgresErrorCodes.DeadlockDetected)]
    [InlineData(PostgresErrorCodes.AdminShutdown)]
    [InlineData(PostgresErrorCodes.TooManyConnections)]
    public void IsTransient_is_true_for_the_retryable_sqlstates(string sqlState)
    {
        Assert.True(TransientErrors.IsTransient(Postgres(sqlState)));
    }

    [Theory]
    [InlineData(PostgresErrorCodes.UniqueViolation)]
    [InlineData(PostgresErrorCodes.SyntaxError)]
    [InlineData(PostgresErrorCodes.InvalidTextRepresentation)]
    [InlineData(PostgresErrorCodes.QueryCanceled)]
    [InlineData(PostgresErrorCodes.RaiseException)]
    [InlineData(PgQueueErrorCodes.LeaseNotHeld)]
    [InlineData(PgQueueErrorCodes.InvalidBatchId)]
    [InlineData(PgQueueErrorCodes.NotHeadTask)]
    [InlineData(PgQueueErrorCodes.InvalidArgument)]
    public void IsTransient_is_false_for_every_other_sqlstate(string sqlState)
    {
        Assert.False(TransientErrors.IsTransient(Postgres(sqlState)));
    }

    public static TheoryData<Exception> ConnectionFailures() => new()
    {
        new IOException("connection reset"),
        new SocketException((int)SocketError.ConnectionRefused),
        new TimeoutException("timed out"),
        new NpgsqlException("Exception while reading from stream", new IOException("connection reset")),
        new NpgsqlException("Exception while connecting", new SocketException((int)SocketError.ConnectionRefused)),
        new NpgsqlException("The operation has timed out", new TimeoutException()),
    };

    [Theory]
    [MemberData(nameof(ConnectionFailures))]
    public void IsTransient_is_true_for_a_lost_or_timed_out_connection(Exception exception)
    {
        Assert.True(TransientErrors.IsTransient(exception));
    }

    public static TheoryData<Exception> PermanentFailures() => new()
    {
        new NpgsqlException("no inner cause"),
        new NpgsqlException("a bug", new InvalidOperationException()),
        new InvalidOperationException("a bug"),
        new ArgumentException("bad argument"),
        new LeaseLostException("lease 7 not held for batch a"),
        new NotHeadTaskException("task 3 not found"),
        new PgQueueException("something else", "PQ999"),
    };

    [Theory]
    [MemberData(nameof(PermanentFailures))]
    public void IsTransient_is_false_for_other_exception_types_and_contract_errors(Exception exception)
    {
        Assert.False(TransientErrors.IsTransient(exception));
    }

    public static TheoryData<Exception> Cancellations() => new()
    {
        new OperationCanceledException(),
        new TaskCanceledException(),
        new OperationCanceledException("cancelled while reading", new IOException("connection reset")),
        new OperationCanceledException("cancelled", new TimeoutException()),
    };

    [Theory]
    [MemberData(nameof(Cancellations))]
    public void IsTransient_is_false_for_cancellation_whatever_its_cause(Exception exception)
    {
        Assert.False(TransientErrors.IsTransient(exception));
    }

    [Fact]
    public void IsTransient_of_null_throws_ArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => TransientErrors.IsTransient(null!));
    }

    private static PostgresException Postgres(string sqlState) => new("an error", "ERROR", "ERROR", sqlState);
}
