using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class RedriveTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task RetryDeadTasksAsync_puts_a_dead_task_back_at_its_original_id_as_the_head()
    {
        var dead = await Client.EnqueueAsync("a", """{"n":1}""", new EnqueueOptions { MaxAttempts = 1 });
        var later = await Client.EnqueueAsync("a", """{"n":2}""");
        await KillHeadAsync("a", dead);

        var moved = await Client.RetryDeadTasksAsync();

        Assert.Equal(1, moved);
        Assert.Equal((2L, 0L), ((await CountsAsync()).Tasks, (await CountsAsync()).DeadTasks));
        Assert.Equal(0, await Sql.ScalarAsync<int>(Database.ConnectionString,
            "SELECT attempts FROM pgqueue.pending_tasks WHERE task_id = $1", dead));
        Assert.Equal("boom", await Sql.ScalarAsync<string>(Database.ConnectionString,
            "SELECT last_error FROM pgqueue.pending_tasks WHERE task_id = $1", dead));
        await using var lease = await Client.ClaimBatchAsync("w2");
        await using var work = await BeginTaskAsync();
        var head = await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
        Assert.Equal(dead, head?.TaskId);
        Assert.Equal(1, head?.Payload.GetProperty("n").GetInt32());
        Assert.True(later > dead);
    }

    [Fact]
    public async Task RetryDeadTasksAsync_with_task_ids_moves_only_those()
    {
        var first = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { MaxAttempts = 1 });
        var second = await Client.EnqueueAsync("b", "{}", new EnqueueOptions { MaxAttempts = 1 });
        await KillHeadAsync("a", first);
        await KillHeadAsync("b", second);

        var moved = await Client.RetryDeadTasksAsync([second]);

        Assert.Equal(1, moved);
        Assert.Equal(first, await Sql.ScalarAsync<long>(Database.ConnectionString, "SELECT task_id FROM pgqueue.failed_tasks"));
        Assert.Equal(second, await Sql.ScalarAsync<long>(Database.ConnectionString, "SELECT task_id FROM pgqueue.pending_tasks"));
    }

    [Fact]
    public async Task RetryDeadTasksAsync_leaves_a_dead_task_whose_dedup_key_is_taken_by_a_pending_task()
    {
        var dead = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { MaxAttempts = 1, DedupKey = "k" });
        await KillHeadAsync("a", dead);
        await Client.EnqueueAsync("a", "{}", new EnqueueOptions { DedupKey = "k" });
        var before = await CountsAsync();

        var moved = await Client.RetryDeadTasksAsync();

        Assert.Equal(0, moved);
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_task_redriven_ahead_of_an_in_flight_task_makes_its_completion_throw_NotHeadTaskException()
    {
        var dead = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { MaxAttempts = 1 });
        var inFlight = await Client.EnqueueAsync("a", "{}");
        await KillHeadAsync("a", dead);
        await using var lease = await Client.ClaimBatchAsync("w2");
        await using (var work = await BeginTaskAsync())
        {
            Assert.Equal(inFlight, (await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken))?.TaskId);
            Assert.Equal(1, await Client.RetryDeadTasksAsync());

            await Assert.ThrowsAsync<NotHeadTaskException>(() => Client.CompleteTaskAsync(work.Transaction, inFlight, lease.LeaseToken));
            await work.RollbackAsync();
        }

        await using var next = await BeginTaskAsync();
        Assert.Equal(dead, (await Client.DequeueTaskAsync(next.Transaction, "a", lease.LeaseToken))?.TaskId);
        Assert.Equal(2, (await CountsAsync()).Tasks);
    }

    private async Task KillHeadAsync(string batchId, long taskId)
    {
        await using var lease = await Client.ClaimBatchAsync("w1", preferredBatchId: batchId);
        await using (var work = await BeginTaskAsync())
        {
            Assert.Equal(taskId, (await Client.DequeueTaskAsync(work.Transaction, batchId, lease!.LeaseToken))?.TaskId);
            await work.RollbackAsync();
        }

        Assert.Equal(FailTaskOutcome.Dead, await Client.FailTaskAsync(taskId, lease.LeaseToken, "boom"));
    }
}
