using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class LeaseTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task RenewAsync_moves_the_expiry_later_and_the_lease_stays_held()
    {
        await Client.EnqueueAsync("a", "{}");
        await using var lease = await Client.ClaimBatchAsync("w1", lease: TimeSpan.FromMinutes(1));
        var claimedUntil = lease!.ExpiresAt;

        var renewedUntil = await lease.RenewAsync(TimeSpan.FromMinutes(10));

        Assert.True(renewedUntil > claimedUntil);
        Assert.Equal(renewedUntil, lease.ExpiresAt);
        Assert.True(lease.IsHeld);
        Assert.Equal(renewedUntil, (await Client.GetBatchStatusAsync("a"))?.LeaseExpiresAt);
    }

    [Fact]
    public async Task ReleaseAsync_returns_true_once_then_false_and_lets_another_worker_claim_at_once()
    {
        await Client.EnqueueAsync("a", "{}");
        var lease = await Client.ClaimBatchAsync("w1");

        Assert.True(await lease!.ReleaseAsync());
        Assert.False(await lease.ReleaseAsync());
        Assert.False(await Client.ReleaseBatchAsync("a", lease.LeaseToken));
        Assert.False(lease.IsHeld);

        await using var other = await Client.ClaimBatchAsync("w2");
        Assert.Equal("a", other?.BatchId);
        Assert.NotEqual(lease.LeaseToken, other?.LeaseToken);
    }

    [Fact]
    public async Task RenewAsync_after_release_throws_LeaseLostException()
    {
        await Client.EnqueueAsync("a", "{}");
        var lease = await Client.ClaimBatchAsync("w1");
        await Client.ReleaseBatchAsync("a", lease!.LeaseToken);
        var before = await Sql.SnapshotAsync(Database.ConnectionString);

        await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync());

        Assert.False(lease.IsHeld);
        Assert.Equal(before, await Sql.SnapshotAsync(Database.ConnectionString));
    }

    [Fact]
    public async Task An_expired_lease_is_lost_at_once_even_before_anyone_takes_the_batch()
    {
        await Client.EnqueueAsync("a", "{}");
        var lease = await Client.ClaimBatchAsync("w1", lease: TimeSpan.FromMilliseconds(200));
        await WaitUntilExpiredAsync(lease!.ExpiresAt);

        await Assert.ThrowsAsync<LeaseLostException>(() => lease.RenewAsync());
        await using (var work = await BeginTaskAsync())
        {
            await Assert.ThrowsAsync<LeaseLostException>(() => Client.DequeueTaskAsync(work.Transaction, "a", lease.LeaseToken));
        }

        Assert.False(await Client.ReleaseBatchAsync("a", lease.LeaseToken));
        Assert.Equal(0, (await CountsAsync()).Attempts);
    }

    [Fact]
    public async Task ReapStaleLocksAsync_clears_an_expired_lease_once_and_charges_its_head_one_attempt()
    {
        var head = await Client.EnqueueAsync("a", "{}");
        var lease = await Client.ClaimBatchAsync("w1", lease: TimeSpan.FromMilliseconds(200));
        await WaitUntilExpiredAsync(lease!.ExpiresAt);

        Assert.Equal(1, await Client.ReapStaleLocksAsync());
        Assert.Equal(0, await Client.ReapStaleLocksAsync());

        var status = await Client.GetBatchStatusAsync("a");
        Assert.Equal((head, 1), (status?.HeadTaskId, status?.HeadAttempts));
        Assert.Equal("runnable", status?.State);
        await using var next = await Client.ClaimBatchAsync("w2");
        Assert.Equal("a", next?.BatchId);
        Assert.Equal(1, (await CountsAsync()).Attempts);
    }

    [Fact]
    public async Task ReapStaleLocksAsync_leaves_live_leases_alone()
    {
        await Client.EnqueueAsync("a", "{}");
        await using var lease = await Client.ClaimBatchAsync("w1", lease: TimeSpan.FromMinutes(5));
        var before = await Sql.SnapshotAsync(Database.ConnectionString);

        Assert.Equal(0, await Client.ReapStaleLocksAsync());

        Assert.Equal(before, await Sql.SnapshotAsync(Database.ConnectionString));
        Assert.Equal("w1", (await Client.GetBatchStatusAsync("a"))?.Owner);
    }

    [Fact]
    public async Task ReapStaleLocksAsync_does_not_charge_a_head_that_a_live_transaction_still_holds()
    {
        var head = await Client.EnqueueAsync("a", "{}");
        var lease = await Client.ClaimBatchAsync("w1", lease: TimeSpan.FromSeconds(30));
        await using var slow = await BeginTaskAsync();
        Assert.Equal(head, (await Client.DequeueTaskAsync(slow.Transaction, "a", lease!.LeaseToken))?.TaskId);
        await lease.RenewAsync(TimeSpan.FromMilliseconds(200));
        await WaitUntilExpiredAsync(lease.ExpiresAt);

        Assert.Equal(1, await Client.ReapStaleLocksAsync());

        Assert.Equal(0, (await CountsAsync()).Attempts);
    }
}
