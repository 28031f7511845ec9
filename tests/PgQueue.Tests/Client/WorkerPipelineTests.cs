using System.Text.Json;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

// The worker sends complete_task; COMMIT; BEGIN; dequeue_task in one round trip, so the next task is already dequeued
// (row-locked in an open transaction) when a task finishes. These prove the prefetched task keeps every guarantee.
public sealed class WorkerPipelineTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task Cancelling_after_a_completion_rolls_the_already_dequeued_next_task_back_uncharged()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}", "{}"]);
        using var stop = new CancellationTokenSource();
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>((context, ct) =>
            TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct));
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions
        {
            WorkerId = "w1",
            Lease = TimeSpan.FromSeconds(30),
            // Runs after the first task's commit, which also dequeued the second.
            TaskFinished = _ => stop.Cancel(),
        });

        var result = await worker.RunOnceAsync(cancellationToken: stop.Token);

        Assert.Equal((WorkerStopReason.Cancelled, 1), (result.StopReason, result.TasksCompleted));
        Assert.Equal([ids[0]], (await ReadTestLogAsync()).Select(row => row.TaskId));
        var status = await Client.GetBatchStatusAsync("a");
        Assert.Equal((ids[1], 0, "runnable", 2L), (status?.HeadTaskId, status?.HeadAttempts, status?.State, status?.Pending));
    }

    [Fact]
    public async Task A_handler_failing_on_a_task_dequeued_with_the_previous_commit_rolls_back_only_that_task()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}", "{}"]);
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct);
            if (context.TaskId == ids[1])
            {
                throw new InvalidOperationException("second task fails");
            }
        });
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(30) });

        var result = await worker.RunOnceAsync();

        Assert.Equal((1, 1, WorkerStopReason.NoRunnableTask), (result.TasksCompleted, result.TasksFailed, result.StopReason));
        Assert.Equal([ids[0]], (await ReadTestLogAsync()).Select(row => row.TaskId));
        var status = await Client.GetBatchStatusAsync("a");
        Assert.Equal((ids[1], 1, 2L), (status?.HeadTaskId, status?.HeadAttempts, status?.Pending));
    }

    [Fact]
    public async Task A_drain_completes_every_task_of_a_long_batch_in_id_order_and_leaves_nothing_locked()
    {
        var ids = await Client.EnqueueManyAsync("a", Enumerable.Range(0, 25).Select(i => $"{{\"i\":{i}}}"));
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>((context, ct) =>
            TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct));
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(30), MaxTasksPerClaim = 10 });

        var results = new List<RunResult>();
        for (var round = 0; round < 3; round++)
        {
            results.Add(await worker.RunOnceAsync());
        }

        Assert.Equal([10, 10, 5], results.Select(r => r.TasksCompleted));
        Assert.Equal([WorkerStopReason.MaxTasksReached, WorkerStopReason.MaxTasksReached, WorkerStopReason.NoRunnableTask],
            results.Select(r => r.StopReason));
        Assert.Equal(ids.Select(id => (long?)id), (await ReadTestLogAsync()).Select(row => row.TaskId));
        Assert.Equal(0, (await CountsAsync()).Tasks);
    }
}
