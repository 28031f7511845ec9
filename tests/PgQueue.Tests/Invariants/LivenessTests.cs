using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Invariants;

/// <summary>Invariant 5: a dead owner's batch becomes claimable when its lease expires; poison tasks end in dead_tasks.</summary>
public sealed class LivenessTests(DatabaseFixture database) : QueueTest(database)
{
    private static readonly TimeSpan WorkerLease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_dead_owners_batch_is_taken_over_after_its_lease_expires_and_its_head_is_charged_exactly_once()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}", "{}", "{}"]);
        var logSource = CreateDataSource("pgqueue-test-log");
        var dyingClient = CreateClient("pgqueue-dying-worker");
        var dying = await dyingClient.ClaimBatchAsync("dying", lease: TimeSpan.FromSeconds(30));
        await using (var work = await BeginTaskAsync(dyingClient))
        {
            var head = await dyingClient.DequeueTaskAsync(work.Transaction, "a", dying!.LeaseToken);
            Assert.Equal((ids[0], 0), (head?.TaskId, head?.Attempts));
            await TestLog.InsertAsync(logSource, ids[0], "a", dying.LeaseToken, "dying", "start");
            await TestLog.InsertAsync(work.Connection, work.Transaction, ids[0], "a", dying.LeaseToken, "dying", "done");
            await dying.RenewAsync(TimeSpan.FromMilliseconds(300));

            // The owner dies mid-task: its backend goes away without a release or a rollback sent by the client.
            Assert.True(await CrashBackendAsync(work.ProcessId));
        }

        var log = new LogRecorder();
        var survivor = new RecordingWorker(CreateClient("pgqueue-survivor", log: log), logSource,
            new PgQueueWorkerOptions { WorkerId = "survivor", Lease = WorkerLease, IdlePollInterval = TimeSpan.FromMilliseconds(20) });
        await using (survivor.Start())
        {
            await WaitUntilDrainedAsync(TimeSpan.FromSeconds(30));
        }

        var takeover = log.Where(PgQueueEventId.BatchClaimed).First();
        Assert.True(takeover.Get<long>("LeaseToken") > dying!.LeaseToken);
        // Taken only once the dead owner's lease had expired, on the database's clock.
        Assert.True(takeover.Get<DateTimeOffset>("LeaseExpiresAt") - WorkerLease >= dying.ExpiresAt);
        Assert.Equal(ids.Select((id, n) => (id, n == 0 ? 1 : 0)), survivor.Runs);
        var dones = (await ReadTestLogAsync()).Where(r => r.Kind == "done").ToList();
        Assert.Equal(ids, dones.Select(d => d.TaskId!.Value));
        Assert.All(dones, done => Assert.Equal("survivor", done.Worker));
        Assert.Equal(0, await Client.ReapStaleLocksAsync());
        Assert.Equal(new QueueCounts(0, 1, 0, 0), await CountsAsync());
    }

    [Fact]
    public async Task A_poison_task_ends_in_dead_tasks_after_max_attempts_and_its_batch_still_completes_in_order()
    {
        await UseShortBackoffAsync();
        var before = await Client.EnqueueAsync("p", """{"poison":false}""");
        var poison = await Client.EnqueueAsync("p", """{"poison":true}""", new EnqueueOptions { MaxAttempts = 3 });
        var after = await Client.EnqueueManyAsync("p", ["""{"poison":false}""", """{"poison":false}"""]);
        var others = new List<long>();
        foreach (var batch in new[] { "q", "r" })
        {
            others.AddRange(await Client.EnqueueManyAsync(batch, ["""{"poison":false}""", """{"poison":false}""", """{"poison":false}"""]));
        }

        var logSource = CreateDataSource("pgqueue-test-log");
        var client = CreateClient("pgqueue-workers", maxPoolSize: 20);
        var workers = Enumerable.Range(0, 4).Select(w => new RecordingWorker(client, logSource,
            new PgQueueWorkerOptions { WorkerId = $"w{w}", Lease = WorkerLease, IdlePollInterval = TimeSpan.FromMilliseconds(20) },
            context => context.Payload.GetProperty("poison").GetBoolean()
                ? throw new InvalidOperationException("poison")
                : Task.CompletedTask)).ToList();
        var running = workers.Select(w => w.Start()).ToList();
        try
        {
            await WaitUntilDrainedAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var worker in running)
            {
                await worker.DisposeAsync();
            }
        }

        var rows = await ReadTestLogAsync();
        Assert.Equal(3, rows.Count(r => r.Kind == "start" && r.TaskId == poison));
        Assert.Equal([before, .. after], rows.Where(r => r.Kind == "done" && r.BatchId == "p").Select(r => r.TaskId!.Value));
        Assert.Equal(others.Order(), rows.Where(r => r.Kind == "done" && r.BatchId != "p").Select(r => r.TaskId!.Value).Order());
        Assert.Equal(poison, await Sql.ScalarAsync<long>(Database.ConnectionString, "SELECT task_id FROM pgqueue.failed_tasks"));
        Assert.Equal(3, await Sql.ScalarAsync<int>(Database.ConnectionString, "SELECT attempts FROM pgqueue.failed_tasks"));
        Assert.Equal((0L, 1L), ((await CountsAsync()).Tasks, (await CountsAsync()).DeadTasks));
    }

    [Fact]
    public async Task A_task_that_kills_its_worker_every_time_ends_in_dead_tasks_after_max_attempts_and_the_batch_goes_on()
    {
        var killer = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { MaxAttempts = 2 });
        var next = await Client.EnqueueAsync("a", "{}");

        // First crash: the reaper clears the expired lease and charges the head.
        await ClaimDequeueAndCrashAsync("crasher-1", expectedAttempts: 0);
        Assert.Equal(1, await Client.ReapStaleLocksAsync());
        var status = await Client.GetBatchStatusAsync("a");
        Assert.Equal((killer, 1, "runnable"), (status?.HeadTaskId, status?.HeadAttempts, status?.State));

        // Second crash: this time a claim takes the batch over, and the charge uses up the head's attempts.
        await ClaimDequeueAndCrashAsync("crasher-2", expectedAttempts: 1);
        await using var survivor = await Client.ClaimBatchAsync("survivor");

        Assert.Equal("a", survivor?.BatchId);
        Assert.Equal(killer, await Sql.ScalarAsync<long>(Database.ConnectionString, "SELECT task_id FROM pgqueue.failed_tasks"));
        Assert.Equal(2, await Sql.ScalarAsync<int>(Database.ConnectionString, "SELECT attempts FROM pgqueue.failed_tasks"));
        Assert.Contains("presumed dead", await Sql.ScalarAsync<string>(Database.ConnectionString,
            "SELECT last_error FROM pgqueue.failed_tasks"), StringComparison.Ordinal);
        await using var work = await BeginTaskAsync();
        var head = await Client.DequeueTaskAsync(work.Transaction, "a", survivor!.LeaseToken);
        Assert.Equal((next, 0), (head?.TaskId, head?.Attempts));
    }

    private async Task ClaimDequeueAndCrashAsync(string workerId, int expectedAttempts)
    {
        var client = CreateClient($"pgqueue-{workerId}");
        var lease = await client.ClaimBatchAsync(workerId, lease: TimeSpan.FromSeconds(30));
        Assert.Equal("a", lease?.BatchId);
        await using (var work = await BeginTaskAsync(client))
        {
            var task = await client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
            Assert.Equal(expectedAttempts, task?.Attempts);
            await lease.RenewAsync(TimeSpan.FromMilliseconds(200));
            Assert.True(await CrashBackendAsync(work.ProcessId));
        }

        await WaitUntilExpiredAsync(lease.ExpiresAt);
    }
}
