using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class WorkerTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task RunOnceAsync_finishes_at_most_MaxTasksPerClaim_tasks_in_id_order_and_releases_the_batch()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}", "{}", "{}", "{}"]);
        var ran = new List<long>();
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>((context, _) =>
        {
            ran.Add(context.TaskId);
            return Task.CompletedTask;
        });
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", MaxTasksPerClaim = 2 });

        var result = await worker.RunOnceAsync();

        Assert.Equal(("a", 2, WorkerStopReason.MaxTasksReached), (result.BatchId, result.TasksCompleted, result.StopReason));
        Assert.Equal(ids.Take(2), ran);
        Assert.Equal("runnable", (await Client.GetBatchStatusAsync("a"))?.State);
    }

    [Fact]
    public async Task RunOnceAsync_with_nothing_to_claim_reports_NothingToClaim()
    {
        var worker = new PgQueueWorker(Client, new TaskHandlerRegistry(), new PgQueueWorkerOptions { WorkerId = "w1" });

        var result = await worker.RunOnceAsync();

        Assert.Equal(new RunResult(null, 0, 0, 0, WorkerStopReason.NothingToClaim), result);
    }

    [Fact]
    public async Task The_heartbeat_keeps_a_task_that_outlives_its_first_lease_committable()
    {
        var id = await Client.EnqueueAsync("a", "{}");
        var log = new LogRecorder();
        var client = CreateClient("pgqueue-worker", log: log);
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            var claimedUntil = log.Where(PgQueueEventId.BatchClaimed).Single().Get<DateTimeOffset>("LeaseExpiresAt");
            // Run past the lease the claim granted: only renewals keep it.
            await WaitUntilExpiredAsync(claimedUntil);
            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct);
        });
        var worker = new PgQueueWorker(client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(3) });

        var result = await worker.RunOnceAsync();

        Assert.Equal(1, result.TasksCompleted);
        Assert.NotEmpty(log.Where(PgQueueEventId.LeaseRenewed));
        Assert.Equal(id, Assert.Single(await ReadTestLogAsync()).TaskId);
    }

    [Fact]
    public async Task Stopping_the_heartbeat_lets_a_renewal_under_way_finish_instead_of_cancelling_it()
    {
        // Cancelling a statement sends a cancel request on a side connection; one that lands after the statement has
        // finished cancels whatever the pooled connection runs next. So stopping waits for a renewal under way.
        var (heartbeat, holding, claimedUntil) = await StartHeartbeatWithItsRenewalBlockedAsync();
        await using var blocker = holding.Connection!;

        var stopping = heartbeat.DisposeAsync().AsTask();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(stopping.IsCompleted, "stopping returned while the renewal was still waiting: it was cancelled");
        await holding.CommitAsync();
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await LeaseExpiresAtAsync() > claimedUntil, "the renewal under way when the heartbeat stopped committed");
    }

    [Fact]
    public async Task Stopping_the_heartbeat_gives_up_on_a_renewal_the_database_never_answers()
    {
        var (heartbeat, holding, claimedUntil) = await StartHeartbeatWithItsRenewalBlockedAsync();
        await using var blocker = holding.Connection!;

        // The batch row stays locked: the renewal cannot finish, and stopping cancels it after its grace period.
        await heartbeat.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await holding.RollbackAsync();

        Assert.Equal(claimedUntil, await LeaseExpiresAtAsync());
    }

    // Claims batch "a" with a 9 s lease, locks its row in another transaction, and starts a heartbeat (every 3 s) whose
    // first renewal is then seen waiting for that lock.
    private async Task<(LeaseHeartbeat Heartbeat, NpgsqlTransaction Holding, DateTime ClaimedUntil)> StartHeartbeatWithItsRenewalBlockedAsync()
    {
        await Client.EnqueueAsync("a", "{}");
        var lease = await Client.ClaimBatchAsync("w1", "a", TimeSpan.FromSeconds(9));
        Assert.NotNull(lease);
        var claimedUntil = await LeaseExpiresAtAsync();
        var blocker = new NpgsqlConnection(Database.ConnectionString);
        await blocker.OpenAsync();
        var holding = await blocker.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT FROM pgqueue.batches WHERE batch_id = 'a' FOR UPDATE", blocker, holding))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        var heartbeat = new LeaseHeartbeat(lease, TimeSpan.FromSeconds(9), NullLogger.Instance);
        await WaitUntilAsync(
            () => Sql.ScalarAsync<bool>(Database.ConnectionString,
                "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' " +
                "AND query LIKE '%renew_lease%')"),
            TimeSpan.FromSeconds(30), "the heartbeat's renewal waits for the batch row");
        return (heartbeat, holding, claimedUntil);
    }

    private Task<DateTime> LeaseExpiresAtAsync() =>
        Sql.ScalarAsync<DateTime>(Database.ConnectionString, "SELECT lease_expires_at FROM pgqueue.batches WHERE batch_id = 'a'");

    [Fact]
    public async Task A_handler_is_cancelled_when_renewal_finds_its_lease_lost_and_the_task_is_not_charged()
    {
        var id = await Client.EnqueueAsync("a", "{}");
        var cancelled = false;
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            // Somebody else ends the lease (an operator, a takeover): the next heartbeat answers PQ001.
            Assert.True(await Client.ReleaseBatchAsync(context.BatchId, context.LeaseToken, CancellationToken.None));
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
            }
            catch (OperationCanceledException)
            {
                cancelled = true;
                throw;
            }
        });
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(3) });

        var result = await worker.RunOnceAsync();

        Assert.True(cancelled);
        Assert.Equal((WorkerStopReason.LeaseLost, 0, 0), (result.StopReason, result.TasksCompleted, result.TasksFailed));
        var status = await Client.GetBatchStatusAsync("a");
        Assert.Equal((id, 0), (status?.HeadTaskId, status?.HeadAttempts));
    }

    [Fact]
    public async Task Cancelling_RunOnceAsync_mid_task_rolls_the_task_back_uncharged_and_releases_the_batch()
    {
        var id = await Client.EnqueueAsync("a", "{}");
        using var stop = new CancellationTokenSource();
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct);
            await stop.CancelAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
        });
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(30) });

        var result = await worker.RunOnceAsync(cancellationToken: stop.Token);

        Assert.Equal(WorkerStopReason.Cancelled, result.StopReason);
        Assert.Empty(await ReadTestLogAsync());
        var status = await Client.GetBatchStatusAsync("a");
        Assert.Equal((id, 0, "runnable"), (status?.HeadTaskId, status?.HeadAttempts, status?.State));
    }

    [Fact]
    public async Task A_task_whose_connection_dies_mid_handler_runs_again_without_being_charged_an_attempt()
    {
        await UseShortBackoffAsync();
        var id = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { MaxAttempts = 1 });
        var killed = false;
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            if (!killed)
            {
                killed = await CrashBackendAsync(context.Connection.ProcessID);
            }

            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct);
        });
        var worker = new PgQueueWorker(Client, handlers, new PgQueueWorkerOptions { WorkerId = "w1", Lease = TimeSpan.FromSeconds(30) });

        for (var round = 0; round < 50 && (await CountsAsync()).Tasks > 0; round++)
        {
            await worker.RunOnceAsync();
        }

        Assert.True(killed);
        Assert.Equal(new QueueCounts(0, 1, 0, 0), await CountsAsync());
        Assert.Equal(id, Assert.Single(await ReadTestLogAsync()).TaskId);
    }
}
