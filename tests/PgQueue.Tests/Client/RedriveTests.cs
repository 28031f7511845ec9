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

    [Fact]
    public async Task A_worker_whose_task_is_overtaken_by_a_redrive_rolls_it_back_uncharged_and_runs_the_redriven_task_first()
    {
        var dead = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { MaxAttempts = 1 });
        var inFlight = await Client.EnqueueAsync("a", "{}");
        await KillHeadAsync("a", dead);
        var started = new List<(long TaskId, int Attempts)>();
        var handlers = new TaskHandlerRegistry().RegisterDefault<System.Text.Json.JsonElement>(async (context, ct) =>
        {
            started.Add((context.TaskId, context.Attempts));
            if (started.Count == 1)
            {
                Assert.Equal(1, await Client.RetryDeadTasksAsync(cancellationToken: CancellationToken.None));
            }

            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w2", "done", ct);
        });
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w2", Lease = TimeSpan.FromSeconds(30) });

        var result = await worker.RunOnceAsync();

        Assert.Equal(2, result.TasksCompleted);
        Assert.Equal([(inFlight, 0), (dead, 0), (inFlight, 0)], started);
        Assert.Equal([dead, inFlight], (await ReadTestLogAsync()).Select(r => r.TaskId!.Value));
        Assert.Equal(new QueueCounts(0, 1, 0, 0), await CountsAsync());
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
