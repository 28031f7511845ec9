using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class EnqueueTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task EnqueueAsync_returns_ascending_ids_in_call_order()
    {
        var ids = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await Client.EnqueueAsync(i % 2 == 0 ? "a" : "b", $$"""{"n":{{i}}}"""));
        }

        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(6, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task EnqueueManyAsync_returns_ascending_ids_in_payload_order()
    {
        var payloads = Enumerable.Range(0, 10).Select(n => $$"""{"n":{{n}}}""").ToList();

        var ids = await Client.EnqueueManyAsync("a", payloads, taskType: "bulk");

        Assert.Equal(10, ids.Count);
        Assert.Equal(ids.Order(), ids);
        for (var n = 0; n < ids.Count; n++)
        {
            Assert.Equal(n, await Sql.ScalarAsync<int>(Database.ConnectionString,
                "SELECT (payload->>'n')::int FROM pgqueue.pending_tasks WHERE task_id = $1 AND task_type = 'bulk'", ids[n]));
        }
    }

    [Fact]
    public async Task EnqueueManyAsync_with_no_payloads_returns_no_ids_and_writes_nothing()
    {
        var before = await CountsAsync();

        var ids = await Client.EnqueueManyAsync("a", []);

        Assert.Empty(ids);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task EnqueueAsync_with_a_pending_dedup_key_returns_the_first_id_and_inserts_nothing()
    {
        var first = await Client.EnqueueAsync("a", """{"v":1}""", new EnqueueOptions { DedupKey = "order-17" });
        var before = await CountsAsync();

        var second = await Client.EnqueueAsync("a", """{"v":2}""", new EnqueueOptions { DedupKey = "order-17" });

        Assert.Equal(first, second);
        Assert.Equal(before, await CountsAsync());
        Assert.Equal(1, await Sql.ScalarAsync<int>(Database.ConnectionString,
            "SELECT (payload->>'v')::int FROM pgqueue.pending_tasks WHERE task_id = $1", first));
    }

    [Fact]
    public async Task EnqueueAsync_with_a_dedup_key_used_in_another_batch_inserts_a_new_task()
    {
        var inA = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { DedupKey = "k" });

        var inB = await Client.EnqueueAsync("b", "{}", new EnqueueOptions { DedupKey = "k" });

        Assert.NotEqual(inA, inB);
        Assert.Equal(2, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task EnqueueAsync_with_a_dedup_key_inserts_again_once_the_first_task_completed()
    {
        var first = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { DedupKey = "k" });
        await using (var lease = await Client.ClaimBatchAsync("w1"))
        {
            await using var work = await BeginTaskAsync();
            var task = await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
            await Client.CompleteTaskAsync(work.Transaction, task!.TaskId, lease.LeaseToken);
            await work.CommitAsync();
        }

        var second = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { DedupKey = "k" });

        Assert.True(second > first);
        Assert.Equal(1, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task EnqueueAsync_in_a_transaction_is_invisible_until_commit_and_gone_after_rollback()
    {
        await using (var rolledBack = await BeginTaskAsync())
        {
            await Client.EnqueueAsync(rolledBack.Transaction, "a", "{}");
            await rolledBack.RollbackAsync();
        }

        Assert.Equal(0, (await CountsAsync()).Tasks);

        await using var committed = await BeginTaskAsync();
        var id = await Client.EnqueueAsync(committed.Transaction, "a", "{}");
        Assert.Null(await Client.ClaimBatchAsync("w1"));
        await committed.CommitAsync();

        await using var lease = await Client.ClaimBatchAsync("w1");
        Assert.Equal("a", lease?.BatchId);
        await using var work = await BeginTaskAsync();
        Assert.Equal(id, (await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken))?.TaskId);
    }

    [Fact]
    public async Task EnqueueAsync_with_a_typed_payload_stores_it_serialized_with_web_defaults()
    {
        var id = await Client.EnqueueAsync("a", new { OrderId = 42, Customer = "Ada" });

        Assert.True(await Sql.ScalarAsync<bool>(Database.ConnectionString,
            "SELECT payload = '{\"orderId\": 42, \"customer\": \"Ada\"}'::jsonb FROM pgqueue.pending_tasks WHERE task_id = $1", id));
    }
}
