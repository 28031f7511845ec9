using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Invariants;

/// <summary>
/// Invariant 6 (and the second half of invariant 1): an owner whose lease expired and was taken over cannot commit
/// with its old token, under a real race with a running worker.
/// </summary>
public sealed class FencingTests(DatabaseFixture database) : QueueTest(database)
{
    private static readonly TimeSpan ShortLease = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task A_slow_owner_outliving_its_lease_cannot_complete_after_a_worker_took_over_and_leaves_no_done_row()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}", "{}"]);
        var logSource = CreateDataSource("pgqueue-test-log");
        var slowClient = CreateClient("pgqueue-slow-owner");
        var slow = await slowClient.ClaimBatchAsync("slow", lease: TimeSpan.FromSeconds(30));
        await using var slowWork = await BeginTaskAsync(slowClient);
        Assert.Equal(ids[0], (await slowClient.DequeueTaskAsync(slowWork.Transaction, "a", slow!.LeaseToken))?.TaskId);
        await TestLog.InsertAsync(logSource, ids[0], "a", slow.LeaseToken, "slow", "start");
        await TestLog.InsertAsync(slowWork.Connection, slowWork.Transaction, ids[0], "a", slow.LeaseToken, "slow", "done");
        // From here the slow owner's work outlives its lease: the last renewal asked for 300 ms.
        await slow.RenewAsync(ShortLease);

        var log = new LogRecorder();
        var fast = new RecordingWorker(CreateClient("pgqueue-fast-worker", log: log), logSource,
            new PgQueueWorkerOptions { WorkerId = "fast", Lease = TimeSpan.FromSeconds(30), IdlePollInterval = TimeSpan.FromMilliseconds(20) });
        await using (fast.Start())
        {
            await WaitUntilAsync(() => Task.FromResult(log.Where(PgQueueEventId.BatchClaimed).Count > 0),
                TimeSpan.FromSeconds(30), "the fast worker has taken the batch over");

            await Assert.ThrowsAsync<LeaseLostException>(() => slowClient.CompleteTaskAsync(slowWork.Transaction, ids[0], slow.LeaseToken));
            await slowWork.RollbackAsync();

            await WaitUntilDrainedAsync(TimeSpan.FromSeconds(30));
        }

        var dones = (await ReadTestLogAsync()).Where(r => r.Kind == "done").ToList();
        Assert.Equal(ids, dones.Select(d => d.TaskId!.Value));
        Assert.DoesNotContain(dones, d => d.LeaseToken == slow.LeaseToken);
        Assert.All(dones, d => Assert.True(d.LeaseToken > slow.LeaseToken));
        // The slow owner held its task's row lock through the takeover, so the head was not charged.
        Assert.Equal(0, fast.Runs.Single(r => r.TaskId == ids[0]).Attempts);
    }

    [Fact]
    public async Task A_worker_whose_heartbeat_stalls_loses_its_lease_to_another_worker_and_its_commit_is_refused()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}", "{}"]);
        var logSource = CreateDataSource("pgqueue-test-log");
        var fastLog = new LogRecorder();
        var fast = new RecordingWorker(CreateClient("pgqueue-fast-worker", log: fastLog), logSource,
            new PgQueueWorkerOptions { WorkerId = "fast", Lease = TimeSpan.FromSeconds(30), IdlePollInterval = TimeSpan.FromMilliseconds(20) });

        // One connection: while the task holds it, the heartbeat waits for the pool and the 300 ms lease runs out.
        var starved = new NpgsqlConnectionStringBuilder(Database.ConnectionString)
        {
            ApplicationName = "pgqueue-stalled-worker",
            MaxPoolSize = 1,
            Timeout = 1,
        };
        await using var starvedSource = NpgsqlDataSource.Create(starved.ConnectionString);
        var slowLog = new LogRecorder();
        var handlerStarted = false;
        var slow = new RecordingWorker(new PgQueueClient(starvedSource, loggerFactory: slowLog), logSource,
            new PgQueueWorkerOptions { WorkerId = "slow", Lease = ShortLease, MaxTasksPerClaim = 1 },
            async _ =>
            {
                handlerStarted = true;
                await using var fastWorker = fast.Start();
                await WaitUntilAsync(() => Task.FromResult(fastLog.Where(PgQueueEventId.BatchClaimed).Count > 0),
                    TimeSpan.FromSeconds(30), "the fast worker has taken the batch over");
            });

        // On a crowded machine the short lease may run out even before the task is dequeued: then claim again.
        RunResult result;
        var runs = 0;
        do
        {
            result = await slow.Worker.RunOnceAsync();
        }
        while (!handlerStarted && ++runs < 5);

        Assert.True(handlerStarted);
        Assert.Equal((WorkerStopReason.LeaseLost, 0), (result.StopReason, result.TasksCompleted));
        var refused = Assert.Single(slowLog.Where(PgQueueEventId.TaskLeaseLost), e => e.Get<long?>("TaskId") == ids[0]);
        var slowToken = refused.Get<long>("LeaseToken");
        Assert.Contains(slowLog.Where(PgQueueEventId.BatchClaimed), e => e.Get<long>("LeaseToken") == slowToken);

        await using (fast.Start())
        {
            await WaitUntilDrainedAsync(TimeSpan.FromSeconds(30));
        }

        var rows = await ReadTestLogAsync();
        Assert.Contains(rows, r => r.Kind == "start" && r.LeaseToken == slowToken);
        Assert.DoesNotContain(rows, r => r.Kind == "done" && r.LeaseToken == slowToken);
        Assert.Equal(ids, rows.Where(r => r.Kind == "done").Select(r => r.TaskId!.Value));
        Assert.All(rows.Where(r => r.Kind == "done"), r => Assert.Equal("fast", r.Worker));
    }
}
