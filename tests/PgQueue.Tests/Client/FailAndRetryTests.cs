using System.Text.Json;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class FailAndRetryTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task FailTaskAsync_keeps_the_task_as_head_until_max_attempts_then_moves_it_to_dead_tasks()
    {
        var poison = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { MaxAttempts = 3 });
        var next = await Client.EnqueueAsync("a", "{}");
        await using var lease = await Client.ClaimBatchAsync("w1");
        var outcomes = new List<FailTaskOutcome>();

        for (var attempt = 0; attempt < 3; attempt++)
        {
            await using (var work = await BeginTaskAsync())
            {
                var task = await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
                Assert.Equal(poison, task?.TaskId);
                Assert.Equal(attempt, task?.Attempts);
                await work.RollbackAsync();
            }

            outcomes.Add(await Client.FailTaskAsync(poison, lease.LeaseToken, $"failure {attempt + 1}", retryAfter: TimeSpan.Zero));
        }

        Assert.Equal([FailTaskOutcome.Retry, FailTaskOutcome.Retry, FailTaskOutcome.Dead], outcomes);
        Assert.Equal(3, await Sql.ScalarAsync<int>(Database.ConnectionString,
            "SELECT attempts FROM pgqueue.failed_tasks WHERE task_id = $1", poison));
        Assert.Equal("failure 3", await Sql.ScalarAsync<string>(Database.ConnectionString,
            "SELECT last_error FROM pgqueue.failed_tasks WHERE task_id = $1", poison));
        await using var after = await BeginTaskAsync();
        Assert.Equal(next, (await Client.DequeueTaskAsync(after.Transaction, "a", lease!.LeaseToken))?.TaskId);
    }

    [Fact]
    public async Task FailTaskAsync_with_retry_after_delays_the_head_and_later_tasks_wait_behind_it()
    {
        var head = await Client.EnqueueAsync("a", "{}");
        await Client.EnqueueAsync("a", "{}");
        var lease = await Client.ClaimBatchAsync("w1");
        await using (var work = await BeginTaskAsync())
        {
            await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
            await work.RollbackAsync();
        }

        var outcome = await Client.FailTaskAsync(head, lease.LeaseToken, "later", retryAfter: TimeSpan.FromHours(1));

        Assert.Equal(FailTaskOutcome.Retry, outcome);
        await using (var again = await BeginTaskAsync())
        {
            Assert.Null(await Client.DequeueTaskAsync(again.Transaction, "a", lease.LeaseToken));
        }

        await lease.DisposeAsync();
        Assert.Null(await Client.ClaimBatchAsync("w2"));
        var status = await Client.GetBatchStatusAsync("a");
        Assert.Equal("head delayed", status?.State);
        Assert.Equal(head, status?.HeadTaskId);
        Assert.Equal(1, status?.HeadAttempts);
    }

    [Fact]
    public async Task A_handler_that_always_throws_is_retried_then_dead_at_max_attempts_and_the_batch_goes_on()
    {
        await UseShortBackoffAsync();
        var poison = await Client.EnqueueAsync("a", """{"poison":true}""", new EnqueueOptions { MaxAttempts = 2 });
        var healthy = await Client.EnqueueAsync("a", """{"poison":false}""");
        var starts = new List<long>();
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            lock (starts)
            {
                starts.Add(context.TaskId);
            }

            if (context.Payload.GetProperty("poison").GetBoolean())
            {
                throw new InvalidOperationException("poison");
            }

            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct);
        });
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(30) });

        for (var round = 0; round < 200 && (await CountsAsync()).Tasks > 0; round++)
        {
            if ((await worker.RunOnceAsync()).StopReason == WorkerStopReason.NothingToClaim)
            {
                await Task.Delay(10);
            }
        }

        Assert.Equal([poison, poison, healthy], starts);
        Assert.Equal(healthy, Assert.Single(await ReadTestLogAsync()).TaskId);
        Assert.Equal(2, await Sql.ScalarAsync<int>(Database.ConnectionString,
            "SELECT attempts FROM pgqueue.failed_tasks WHERE task_id = $1", poison));
        var counts = await CountsAsync();
        Assert.Equal((0L, 1L), (counts.Tasks, counts.DeadTasks));
    }
}
