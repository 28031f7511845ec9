using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

/// <summary>Producers of one batch take turns until commit, so a batch's ids become visible in id order.</summary>
public sealed class ProducerTurnTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task A_second_producer_of_the_same_batch_waits_for_the_first_to_commit_and_gets_a_higher_id()
    {
        var firstProducer = CreateClient("pgqueue-producer-1");
        var secondProducer = CreateClient("pgqueue-producer-2");
        await using var first = await BeginTaskAsync(firstProducer);
        var firstId = await firstProducer.EnqueueAsync(first.Transaction, "a", "{}");

        var second = secondProducer.EnqueueAsync("a", "{}");
        await WaitUntilAsync(() => IsWaitingForALockAsync("pgqueue-producer-2"), TimeSpan.FromSeconds(30),
            "the second producer waits for the first one's turn");
        Assert.False(second.IsCompleted);
        await first.CommitAsync();

        Assert.True(await second > firstId);
    }

    [Fact]
    public async Task An_open_producer_transaction_holds_up_neither_claims_nor_lease_calls_nor_other_batches()
    {
        var ready = await Client.EnqueueAsync("a", "{}");
        var producer = CreateClient("pgqueue-producer");
        await using var open = await BeginTaskAsync(producer);
        await producer.EnqueueAsync(open.Transaction, "a", "{}");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var lease = await Client.ClaimBatchAsync("w1", cancellationToken: timeout.Token);
        Assert.Equal("a", lease?.BatchId);
        await lease!.RenewAsync(cancellationToken: timeout.Token);
        await using (var work = await BeginTaskAsync())
        {
            var task = await Client.DequeueTaskAsync(work.Transaction, "a", lease.LeaseToken, timeout.Token);
            Assert.Equal(ready, task?.TaskId);
            await Client.CompleteTaskAsync(work.Transaction, ready, lease.LeaseToken, timeout.Token);
            await work.CommitAsync();
        }

        Assert.True(await Client.EnqueueAsync("b", "{}", cancellationToken: timeout.Token) > ready);
        Assert.True(await lease.ReleaseAsync(timeout.Token));
    }

    [Fact]
    public async Task A_batch_released_empty_while_a_producer_is_mid_transaction_is_claimable_once_it_commits()
    {
        var only = await Client.EnqueueAsync("a", "{}");
        var producer = CreateClient("pgqueue-producer");
        await using var lease = await Client.ClaimBatchAsync("w1");
        await using (var work = await BeginTaskAsync())
        {
            await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
            await Client.CompleteTaskAsync(work.Transaction, only, lease.LeaseToken);
            await work.CommitAsync();
        }

        await using (var open = await BeginTaskAsync(producer))
        {
            var late = await producer.EnqueueAsync(open.Transaction, "a", "{}");
            Assert.True(await lease.ReleaseAsync());
            await open.CommitAsync();

            await using var next = await Client.ClaimBatchAsync("w2");
            Assert.Equal("a", next?.BatchId);
            await using var work = await BeginTaskAsync();
            Assert.Equal(late, (await Client.DequeueTaskAsync(work.Transaction, "a", next!.LeaseToken))?.TaskId);
        }
    }

    private Task<bool> IsWaitingForALockAsync(string applicationName) => Sql.ScalarAsync<bool>(Database.ConnectionString,
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock')",
        applicationName);
}
