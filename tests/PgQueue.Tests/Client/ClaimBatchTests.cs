using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class ClaimBatchTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task ClaimBatchAsync_returns_null_when_nothing_is_enqueued()
    {
        Assert.Null(await Client.ClaimBatchAsync("w1"));
    }

    [Fact]
    public async Task ClaimBatchAsync_returns_null_when_every_batch_is_empty()
    {
        await Client.EnqueueAsync("a", "{}");
        await CompleteHeadAsync("a");

        Assert.Null(await Client.ClaimBatchAsync("w1"));
    }

    [Fact]
    public async Task ClaimBatchAsync_takes_the_preferred_batch_before_one_that_waited_longer()
    {
        await Client.EnqueueAsync("older", "{}");
        await Client.EnqueueAsync("preferred", "{}");

        await using var lease = await Client.ClaimBatchAsync("w1", preferredBatchId: "preferred");

        Assert.Equal("preferred", lease?.BatchId);
    }

    [Fact]
    public async Task ClaimBatchAsync_without_a_preference_takes_the_batch_whose_head_waited_longest()
    {
        await Client.EnqueueAsync("first", "{}");
        await Client.EnqueueAsync("second", "{}");
        await Client.EnqueueAsync("first", "{}");

        await using var lease = await Client.ClaimBatchAsync("w1");

        Assert.Equal("first", lease?.BatchId);
    }

    [Fact]
    public async Task ClaimBatchAsync_passes_over_a_preferred_batch_that_is_not_claimable()
    {
        await Client.EnqueueAsync("paused", "{}");
        await Client.PauseBatchAsync("paused");
        await Client.EnqueueAsync("other", "{}");

        await using var lease = await Client.ClaimBatchAsync("w1", preferredBatchId: "paused");

        Assert.Equal("other", lease?.BatchId);
    }

    [Fact]
    public async Task ClaimBatchAsync_never_claims_a_paused_batch()
    {
        await Client.EnqueueManyAsync("a", ["{}", "{}"]);
        await Client.PauseBatchAsync("a");

        Assert.Null(await Client.ClaimBatchAsync("w1"));
        Assert.Null(await Client.ClaimBatchAsync("w1", preferredBatchId: "a"));
        Assert.Equal(2, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task ClaimBatchAsync_skips_a_batch_whose_head_waits_for_run_after()
    {
        await Client.EnqueueAsync("later", "{}", new EnqueueOptions { RunAfter = DateTimeOffset.UtcNow.AddHours(1) });
        await Client.EnqueueAsync("later", "{}");

        Assert.Null(await Client.ClaimBatchAsync("w1"));
        Assert.Equal("head delayed", (await Client.GetBatchStatusAsync("later"))?.State);
    }

    [Fact]
    public async Task ClaimBatchAsync_never_returns_a_batch_whose_lease_is_live()
    {
        await Client.EnqueueManyAsync("a", ["{}", "{}"]);
        await using var first = await Client.ClaimBatchAsync("w1");

        var second = await Client.ClaimBatchAsync("w2", preferredBatchId: "a");

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Equal("w1", (await Client.GetBatchStatusAsync("a"))?.Owner);
    }

    [Fact]
    public async Task Concurrent_claims_never_return_the_same_batch_while_its_lease_lives()
    {
        const int batches = 8;
        for (var b = 0; b < batches; b++)
        {
            await Client.EnqueueManyAsync($"b{b}", ["{}", "{}"]);
        }

        var claimers = CreateClient("pgqueue-claimers", maxPoolSize: 40);
        var leases = (await Task.WhenAll(Enumerable.Range(0, 32).Select(w => claimers.ClaimBatchAsync($"w{w}"))))
            .OfType<BatchLease>().ToList();
        // SKIP LOCKED may make a claimer come back empty while another holds a row: claim the rest one by one.
        while (await Client.ClaimBatchAsync("late") is { } lease)
        {
            leases.Add(lease);
        }

        Assert.Equal(batches, leases.Count);
        Assert.Equal(batches, leases.Select(l => l.BatchId).Distinct().Count());
        Assert.Equal(batches, leases.Select(l => l.LeaseToken).Distinct().Count());
        foreach (var lease in leases)
        {
            Assert.Equal(lease.WorkerId, (await Client.GetBatchStatusAsync(lease.BatchId))?.Owner);
        }
    }

    private async Task CompleteHeadAsync(string batchId)
    {
        await using var lease = await Client.ClaimBatchAsync("helper", preferredBatchId: batchId);
        await using var work = await BeginTaskAsync();
        var task = await Client.DequeueTaskAsync(work.Transaction, batchId, lease!.LeaseToken);
        await Client.CompleteTaskAsync(work.Transaction, task!.TaskId, lease.LeaseToken);
        await work.CommitAsync();
    }
}
