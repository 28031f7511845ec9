using PgQueue.Tests.Infrastructure;
using Npgsql;
using Xunit;

namespace PgQueue.Tests.Client;

/// <summary>Every bad input raises its typed exception and leaves the queue exactly as it was.</summary>
public sealed class ContractErrorTests(DatabaseFixture database) : QueueTest(database)
{
    private long _head;
    private BatchLease _lease = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _head = await Client.EnqueueAsync("held", "{}");
        await Client.EnqueueAsync("held", "{}");
        await Client.EnqueueAsync("other", "{}");
        _lease = (await Client.ClaimBatchAsync("w1", preferredBatchId: "held"))!;
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("ünïcode")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData(null)]
    public async Task EnqueueAsync_with_an_invalid_batch_id_throws_InvalidBatchIdException_and_changes_nothing(string? batchId)
    {
        await AssertRejectedAsync<InvalidBatchIdException>(() => Client.EnqueueAsync(batchId!, "{}"));
        await AssertRejectedAsync<InvalidBatchIdException>(() => Client.EnqueueManyAsync(batchId!, ["{}"]));
    }

    [Fact]
    public async Task Every_call_with_an_invalid_batch_id_throws_InvalidBatchIdException_and_changes_nothing()
    {
        await AssertRejectedAsync<InvalidBatchIdException>(() => Client.ClaimBatchAsync("w2", preferredBatchId: "bad id"));
        await AssertRejectedAsync<InvalidBatchIdException>(() => Client.PauseBatchAsync("bad id"));
        await AssertRejectedAsync<InvalidBatchIdException>(() => Client.ResumeBatchAsync(""));
        await AssertRejectedAsync<InvalidBatchIdException>(() => Client.RenewLeaseAsync("bad id", _lease.LeaseToken));
        await AssertRejectedAsync<InvalidBatchIdException>(() => Client.ReleaseBatchAsync("bad id", _lease.LeaseToken));
        await AssertRejectedInTransactionAsync<InvalidBatchIdException>(
            work => Client.DequeueTaskAsync(work.Transaction, "bad id", _lease.LeaseToken));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public async Task ClaimBatchAsync_with_an_empty_worker_id_throws_InvalidQueueArgumentException_and_changes_nothing(string? workerId)
    {
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.ClaimBatchAsync(workerId!));
    }

    [Fact]
    public async Task ClaimBatchAsync_with_an_oversized_worker_id_throws_InvalidQueueArgumentException_and_changes_nothing()
    {
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.ClaimBatchAsync(new string('w', 201)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1000)]
    public async Task A_non_positive_lease_throws_InvalidQueueArgumentException_and_changes_nothing(int milliseconds)
    {
        var lease = TimeSpan.FromMilliseconds(milliseconds);

        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.ClaimBatchAsync("w2", lease: lease));
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.RenewLeaseAsync("held", _lease.LeaseToken, lease));
    }

    [Fact]
    public async Task A_null_payload_throws_InvalidQueueArgumentException_and_changes_nothing()
    {
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.EnqueueAsync("held", (string)null!));
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.EnqueueManyAsync("held", ["{}", null!]));
    }

    [Fact]
    public async Task An_oversized_payload_throws_InvalidQueueArgumentException_and_changes_nothing()
    {
        var limit = await Sql.ScalarAsync<int>(Database.ConnectionString, "SELECT payload_limit_bytes FROM pgqueue.settings");
        var oversized = $$"""{"data":"{{new string('x', limit)}}"}""";

        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.EnqueueAsync("held", oversized));
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.EnqueueManyAsync("new", ["{}", oversized]));
    }

    [Fact]
    public async Task Empty_task_type_or_dedup_key_throws_InvalidQueueArgumentException_and_changes_nothing()
    {
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.EnqueueAsync("held", "{}", new EnqueueOptions { TaskType = "" }));
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.EnqueueAsync("held", "{}", new EnqueueOptions { DedupKey = "" }));
        await AssertRejectedAsync<InvalidQueueArgumentException>(() => Client.EnqueueManyAsync("held", ["{}"], taskType: ""));
    }

    [Fact]
    public async Task A_negative_retry_after_throws_InvalidQueueArgumentException_and_changes_nothing()
    {
        await AssertRejectedAsync<InvalidQueueArgumentException>(
            () => Client.FailTaskAsync(_head, _lease.LeaseToken, "e", TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public async Task A_redrive_window_that_ends_before_it_starts_throws_InvalidQueueArgumentException_and_changes_nothing()
    {
        var now = DateTimeOffset.UtcNow;

        await AssertRejectedAsync<InvalidQueueArgumentException>(
            () => Client.RetryDeadTasksAsync(failedAfter: now, failedBefore: now.AddHours(-1)));
    }

    [Fact]
    public async Task An_unknown_task_throws_NotHeadTaskException_and_changes_nothing()
    {
        var unknown = _head + 1_000_000;

        await AssertRejectedInTransactionAsync<NotHeadTaskException>(
            work => Client.CompleteTaskAsync(work.Transaction, unknown, _lease.LeaseToken));
        await AssertRejectedAsync<NotHeadTaskException>(() => Client.FailTaskAsync(unknown, _lease.LeaseToken, "e"));
    }

    [Fact]
    public async Task FailTaskAsync_while_the_task_transaction_still_holds_the_task_throws_NotHeadTaskException_and_changes_nothing()
    {
        await using var work = await BeginTaskAsync();
        Assert.Equal(_head, (await Client.DequeueTaskAsync(work.Transaction, "held", _lease.LeaseToken))?.TaskId);

        await AssertRejectedAsync<NotHeadTaskException>(() => Client.FailTaskAsync(_head, _lease.LeaseToken, "not rolled back yet"));
    }

    [Fact]
    public async Task A_wrong_lease_token_throws_LeaseLostException_and_changes_nothing()
    {
        var wrong = _lease.LeaseToken + 1_000_000;

        await AssertRejectedInTransactionAsync<LeaseLostException>(work => Client.DequeueTaskAsync(work.Transaction, "held", wrong));
        await AssertRejectedInTransactionAsync<LeaseLostException>(work => Client.CompleteTaskAsync(work.Transaction, _head, wrong));
        await AssertRejectedAsync<LeaseLostException>(() => Client.FailTaskAsync(_head, wrong, "e"));
        await AssertRejectedAsync<LeaseLostException>(() => Client.RenewLeaseAsync("held", wrong));
        await AssertRejectedAsync<LeaseLostException>(() => Client.RenewLeaseAsync("other", _lease.LeaseToken));
        Assert.True(_lease.IsHeld);
    }

    [Fact]
    public async Task ReleaseBatchAsync_with_a_wrong_token_returns_false_and_changes_nothing()
    {
        var before = await Sql.SnapshotAsync(Database.ConnectionString);

        Assert.False(await Client.ReleaseBatchAsync("held", _lease.LeaseToken + 1_000_000));
        Assert.False(await Client.ReleaseBatchAsync("other", _lease.LeaseToken));

        Assert.Equal(before, await Sql.SnapshotAsync(Database.ConnectionString));
    }

    [Fact]
    public async Task EnqueueAsync_with_invalid_json_throws_the_database_error_and_changes_nothing()
    {
        var error = await AssertRejectedAsync<PostgresException>(() => Client.EnqueueAsync("held", "{not json"));

        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, error.SqlState);
    }

    private async Task<TException> AssertRejectedAsync<TException>(Func<Task> call)
        where TException : Exception
    {
        var counts = await CountsAsync();
        var snapshot = await Sql.SnapshotAsync(Database.ConnectionString);

        var error = await Assert.ThrowsAsync<TException>(call);

        Assert.Equal(counts, await CountsAsync());
        Assert.Equal(snapshot, await Sql.SnapshotAsync(Database.ConnectionString));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    private Task<TException> AssertRejectedInTransactionAsync<TException>(Func<TaskTransaction, Task> call)
        where TException : Exception =>
        AssertRejectedAsync<TException>(async () =>
        {
            await using var work = await BeginTaskAsync();
            await call(work);
        });
}
