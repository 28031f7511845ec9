using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class FencingTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task CompleteTaskAsync_after_a_takeover_throws_LeaseLostException_and_commits_none_of_the_work()
    {
        var head = await Client.EnqueueAsync("a", "{}");
        var slowClient = CreateClient("pgqueue-slow-owner");
        var slowLease = await slowClient.ClaimBatchAsync("slow", lease: TimeSpan.FromSeconds(30));
        await using var slow = await BeginTaskAsync(slowClient);
        Assert.Equal(head, (await slowClient.DequeueTaskAsync(slow.Transaction, "a", slowLease!.LeaseToken))?.TaskId);
        await TestLog.InsertAsync(slow.Connection, slow.Transaction, head, "a", slowLease.LeaseToken, "slow", "done");
        // The work outlives the lease: its last renewal asked for 200 ms.
        await slowLease.RenewAsync(TimeSpan.FromMilliseconds(200));
        await WaitUntilExpiredAsync(slowLease.ExpiresAt);

        await using var takeover = await Client.ClaimBatchAsync("fast");
        Assert.Equal("a", takeover?.BatchId);
        Assert.True(takeover!.LeaseToken > slowLease.LeaseToken);

        var error = await Assert.ThrowsAsync<LeaseLostException>(
            () => slowClient.CompleteTaskAsync(slow.Transaction, head, slowLease.LeaseToken));
        Assert.Equal(PgQueueErrorCodes.LeaseNotHeld, error.SqlState);
        await slow.RollbackAsync();

        Assert.Empty(await ReadTestLogAsync());
        // A slow owner is not a dead one: its head is not charged for the takeover.
        Assert.Equal((1L, 0L), ((await CountsAsync()).Tasks, (await CountsAsync()).Attempts));
        await using var work = await BeginTaskAsync();
        Assert.Equal(head, (await Client.DequeueTaskAsync(work.Transaction, "a", takeover.LeaseToken))?.TaskId);
        await Client.CompleteTaskAsync(work.Transaction, head, takeover.LeaseToken);
        await work.CommitAsync();
        Assert.Equal(0, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task The_old_owner_cannot_dequeue_renew_or_fail_after_a_takeover()
    {
        var head = await Client.EnqueueAsync("a", "{}");
        var old = await Client.ClaimBatchAsync("old", lease: TimeSpan.FromMilliseconds(200));
        await WaitUntilExpiredAsync(old!.ExpiresAt);
        await using var takeover = await Client.ClaimBatchAsync("new");
        Assert.Equal("a", takeover?.BatchId);
        var before = await Sql.SnapshotAsync(Database.ConnectionString);

        await using (var work = await BeginTaskAsync())
        {
            await Assert.ThrowsAsync<LeaseLostException>(() => Client.DequeueTaskAsync(work.Transaction, "a", old.LeaseToken));
        }

        await Assert.ThrowsAsync<LeaseLostException>(() => old.RenewAsync());
        await Assert.ThrowsAsync<LeaseLostException>(() => Client.FailTaskAsync(head, old.LeaseToken, "late"));
        Assert.False(await Client.ReleaseBatchAsync("a", old.LeaseToken));

        Assert.Equal(before, await Sql.SnapshotAsync(Database.ConnectionString));
        Assert.Equal("new", (await Client.GetBatchStatusAsync("a"))?.Owner);
    }
}
