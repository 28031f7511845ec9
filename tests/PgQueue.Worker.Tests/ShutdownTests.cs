using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PgQueue.Tests.Infrastructure;
using PgQueue.Worker.Tests.Support;
using Xunit;

namespace PgQueue.Worker.Tests;

/// <summary>Stopping the host mid-task leaves nothing locked and nothing lost, whatever the handler does with its token.</summary>
public sealed class ShutdownTests(DatabaseFixture database) : WorkerHostTest(database)
{
    [Fact]
    public async Task Stopping_mid_task_rolls_back_a_handler_that_honours_its_token_without_charging_it()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = BuildHost(registry => registry.Register<JsonElement>("test.slow", async (task, cancellationToken) =>
        {
            await TestLog.InsertAsync(task.Connection, task.Transaction, task.TaskId, task.BatchId, task.LeaseToken, "host", "done", CancellationToken.None);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }));
        await StartIdleAsync(host);
        await Client.EnqueueAsync("slow", "{}", new EnqueueOptions { TaskType = "test.slow" });
        await started.Task.WaitAsync(Patience);

        using var timeout = new CancellationTokenSource(Patience);
        await host.StopAsync(timeout.Token);

        Assert.Equal(0, await LiveLeasesAsync());
        Assert.Equal([0], await PendingAttemptsAsync());
        Assert.Equal(0, await DeadTasksAsync());
        Assert.Empty(await ReadTestLogAsync());
        Assert.Equal(0, StatusOf(host).LeasedBatches);
    }

    [Fact]
    public async Task Stopping_mid_task_lets_a_handler_that_ignores_its_token_finish_within_the_grace_period()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = BuildHost(registry => registry.Register<JsonElement>("test.stubborn", async (task, _) =>
        {
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            await TestLog.InsertAsync(task.Connection, task.Transaction, task.TaskId, task.BatchId, task.LeaseToken, "host", "done", CancellationToken.None);
        }), new Dictionary<string, string?> { ["PgQueue:Worker:ShutdownGracePeriod"] = "00:01:00" });
        await StartIdleAsync(host);
        var taskId = await Client.EnqueueAsync("stubborn", "{}", new EnqueueOptions { TaskType = "test.stubborn" });
        await Client.EnqueueAsync("stubborn", "{}", new EnqueueOptions { TaskType = "test.stubborn" });
        await started.Task.WaitAsync(Patience);

        await host.StopAsync(CancellationToken.None);

        Assert.Equal(0, await LiveLeasesAsync());
        var completed = Assert.Single(await ReadTestLogAsync());
        Assert.Equal(taskId, completed.TaskId);
        // The second task never started: stopping ends the drain after the running task.
        Assert.Equal([0], await PendingAttemptsAsync());
        Assert.Equal(0, await DeadTasksAsync());
    }

    [Fact]
    public async Task A_handler_that_outlives_the_grace_period_loses_its_lease_and_its_task_rolls_back_uncharged()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var letGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = BuildHost(registry => registry.Register<JsonElement>("test.stuck", async (task, _) =>
        {
            await TestLog.InsertAsync(task.Connection, task.Transaction, task.TaskId, task.BatchId, task.LeaseToken, "host", "done", CancellationToken.None);
            started.TrySetResult();
            await letGo.Task;
        }), new Dictionary<string, string?> { ["PgQueue:Worker:ShutdownGracePeriod"] = "00:00:00.500" });
        await StartIdleAsync(host);
        Assert.Equal(TimeSpan.FromMilliseconds(500), host.Services.GetRequiredService<IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value.ShutdownTimeout);
        await Client.EnqueueAsync("stuck", "{}", new EnqueueOptions { TaskType = "test.stuck" });
        await started.Task.WaitAsync(Patience);

        await host.StopAsync(CancellationToken.None);

        Assert.Equal(0, await LiveLeasesAsync());
        letGo.SetResult();
        // The handler returns; its commit is fenced off (the lease is gone) and its transaction rolls back.
        await WaitUntilAsync(async () => await Sql.ScalarAsync<long?>(Database.ConnectionString,
            "SELECT id FROM pgqueue.tasks FOR UPDATE SKIP LOCKED") is not null, Patience, "the task's transaction has ended");
        Assert.Equal([0], await PendingAttemptsAsync());
        Assert.Equal(0, await DeadTasksAsync());
        Assert.Empty(await ReadTestLogAsync());
    }

    [Fact]
    public async Task A_task_rolled_back_by_a_stop_runs_once_on_the_next_host()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = BuildHost(registry => registry.Register<JsonElement>("test.work", async (_, cancellationToken) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }));
        await StartIdleAsync(first);
        await Client.EnqueueAsync("handover", "{}", new EnqueueOptions { TaskType = "test.work" });
        await started.Task.WaitAsync(Patience);
        await first.StopAsync(CancellationToken.None);

        var second = BuildHost(registry => registry.Register<JsonElement>("test.work", (task, cancellationToken) =>
            TestLog.InsertAsync(task.Connection, task.Transaction, task.TaskId, task.BatchId, task.LeaseToken, "second", "done", cancellationToken)));
        await second.StartAsync();

        await WaitUntilDrainedAsync(Patience);
        Assert.Single(await ReadTestLogAsync());
        Assert.Equal(0, await DeadTasksAsync());
    }
}
