using System.Text.Json;
using PgQueue.Tests.Infrastructure;
using PgQueue.Worker.Tests.Support;
using Xunit;

namespace PgQueue.Worker.Tests;

/// <summary>An idle host is woken by <c>NOTIFY pgqueue</c>, not by its poll timer; polling still covers a lost listener.</summary>
public sealed class PickupTests(DatabaseFixture database) : WorkerHostTest(database)
{
    // Far below the 30 s idle poll: only a notification can start the task this soon.
    private static readonly TimeSpan WellBeforeThePoll = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Idle_host_starts_a_task_after_NOTIFY_long_before_the_poll_interval()
    {
        var started = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = BuildHost(registry => registry.Register<JsonElement>("test.mark", (task, _) =>
        {
            started.TrySetResult(task.TaskId);
            return Task.CompletedTask;
        }));
        await StartIdleAsync(host);

        var taskId = await Client.EnqueueAsync("pickup", "{}", new EnqueueOptions { TaskType = "test.mark" });

        Assert.Equal(taskId, await started.Task.WaitAsync(WellBeforeThePoll));
        await WaitUntilDrainedAsync(Patience);
        Assert.True(StatusOf(host).Notifications >= 1);
    }

    [Fact]
    public async Task Listener_reconnects_after_its_connection_is_terminated_and_wakes_loops_again()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = BuildHost(registry => registry.Register<JsonElement>("test.mark", (_, _) =>
        {
            started.TrySetResult();
            return Task.CompletedTask;
        }));
        await StartIdleAsync(host);
        const string listenerSql =
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN pgqueue' " +
            "AND application_name = 'pgqueue-worker-listen' AND pid <> $1";
        var first = await Sql.ScalarAsync<int>(Database.ConnectionString, listenerSql, 0);

        Assert.True(await CrashBackendAsync(first));
        await WaitUntilAsync(async () => await Sql.ScalarAsync<int?>(Database.ConnectionString, listenerSql, first) is not null,
            Patience, "a new listen connection replaced the terminated one");
        await WaitUntilAsync(() => Task.FromResult(StatusOf(host).IsListening && StatusOf(host).IdleLoops == 2),
            Patience, "the loops are idle again");

        await Client.EnqueueAsync("after-reconnect", "{}", new EnqueueOptions { TaskType = "test.mark" });

        await started.Task.WaitAsync(WellBeforeThePoll);
    }

    [Fact]
    public async Task Without_LISTEN_an_idle_host_still_finds_work_by_polling()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = BuildHost(registry => registry.Register<JsonElement>("test.mark", (_, _) =>
        {
            started.TrySetResult();
            return Task.CompletedTask;
        }), new Dictionary<string, string?>
        {
            ["PgQueue:Worker:Listen"] = "false",
            ["PgQueue:Worker:IdlePollInterval"] = "00:00:00.200",
        });
        await StartIdleAsync(host, listening: false);

        await Client.EnqueueAsync("polled", "{}", new EnqueueOptions { TaskType = "test.mark" });

        await started.Task.WaitAsync(Patience);
        Assert.False(StatusOf(host).IsListening);
        Assert.Equal(0, StatusOf(host).Notifications);
    }

    [Fact]
    public async Task Concurrent_loops_drain_every_batch_in_order()
    {
        var host = BuildHost(registry => registry.Register<JsonElement>("test.log", (task, cancellationToken) =>
            TestLog.InsertAsync(task.Connection, task.Transaction, task.TaskId, task.BatchId, task.LeaseToken, "host", "done", cancellationToken)),
            new Dictionary<string, string?> { ["PgQueue:Worker:Concurrency"] = "3" });
        await StartIdleAsync(host, loops: 3);

        var enqueued = new List<long>();
        foreach (var batch in new[] { "A", "B", "C", "D" })
        {
            enqueued.AddRange(await Client.EnqueueManyAsync(batch, Enumerable.Repeat("{}", 5), "test.log"));
        }

        await WaitUntilDrainedAsync(Patience);
        var log = await ReadTestLogAsync();
        Assert.Equal(enqueued.Order(), log.Select(row => row.TaskId!.Value).Order());
        foreach (var batch in log.GroupBy(row => row.BatchId))
        {
            var ids = batch.Select(row => row.TaskId!.Value).ToList();
            Assert.Equal(ids.Order(), ids);
        }
    }
}
