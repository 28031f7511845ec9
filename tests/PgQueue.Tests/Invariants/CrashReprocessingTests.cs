using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Invariants;

/// <summary>Invariants 3 and 4: a crash mid-task rolls back, and only that task runs again.</summary>
public sealed class CrashReprocessingTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task A_killed_task_transaction_reruns_only_its_own_task_and_the_batch_completes_in_order()
    {
        await UseShortBackoffAsync();
        var ids = await Client.EnqueueManyAsync("a", Enumerable.Repeat("{}", 10));
        var victim = ids[4];
        var victimBackend = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var crashed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new RecordingWorker(CreateClient("pgqueue-worker"), CreateDataSource("pgqueue-test-log"),
            new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(30), IdlePollInterval = TimeSpan.FromMilliseconds(20) },
            async context =>
            {
                if (context.TaskId == victim && victimBackend.TrySetResult(context.Connection.ProcessID))
                {
                    await crashed.Task.WaitAsync(TimeSpan.FromSeconds(30));
                }
            });

        await using (worker.Start())
        {
            var processId = await victimBackend.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.True(await CrashBackendAsync(processId));
            crashed.SetResult();
            await WaitUntilDrainedAsync(TimeSpan.FromSeconds(30));
        }

        var rows = await ReadTestLogAsync();
        var starts = rows.Where(r => r.Kind == "start").GroupBy(r => r.TaskId!.Value).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(ids.Select(id => id == victim ? 2 : 1), ids.Select(id => starts[id]));
        Assert.Equal(ids, rows.Where(r => r.Kind == "done").Select(r => r.TaskId!.Value));
        // The rerun is the next thing the batch ran: nothing behind the victim started before it was done.
        var victimDone = rows.Single(r => r.Kind == "done" && r.TaskId == victim).Seq;
        Assert.All(rows.Where(r => r.Kind == "start" && r.TaskId > victim), r => Assert.True(r.Seq > victimDone));
        Assert.Equal(new QueueCounts(0, 1, 0, 0), await CountsAsync());
    }
}
