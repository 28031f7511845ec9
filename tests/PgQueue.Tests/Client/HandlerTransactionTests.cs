using System.Text.Json;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class HandlerTransactionTests(DatabaseFixture database) : QueueTest(database)
{
    private sealed record Order(int OrderId, string Customer);

    [Fact]
    public async Task A_handler_write_through_its_TaskContext_commits_with_the_completion()
    {
        var id = await Client.EnqueueAsync("a", "{}");
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>((context, ct) =>
            TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct));

        var result = await new PgQueueWorker(Client, handlers, Options("w1")).RunOnceAsync();

        Assert.Equal(1, result.TasksCompleted);
        var row = Assert.Single(await ReadTestLogAsync());
        Assert.Equal(id, row.TaskId);
        Assert.Equal("done", row.Kind);
        Assert.Equal(0, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task A_handler_write_rolls_back_when_the_handler_throws_and_the_task_is_charged_one_attempt()
    {
        var id = await Client.EnqueueAsync("a", "{}");
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, "w1", "done", ct);
            throw new InvalidOperationException("the mail server said no");
        });

        var result = await new PgQueueWorker(Client, handlers, Options("w1")).RunOnceAsync();

        Assert.Equal(1, result.TasksFailed);
        Assert.Empty(await ReadTestLogAsync());
        Assert.Equal(1, await Sql.ScalarAsync<int>(Database.ConnectionString,
            "SELECT attempts FROM pgqueue.pending_tasks WHERE task_id = $1", id));
        Assert.Contains("the mail server said no", await Sql.ScalarAsync<string>(Database.ConnectionString,
            "SELECT last_error FROM pgqueue.pending_tasks WHERE task_id = $1", id), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_typed_payload_reaches_the_handler_registered_for_its_task_type()
    {
        var id = await Client.EnqueueAsync("orders", new Order(42, "Ada"), new EnqueueOptions { TaskType = "order" });
        TaskContext<Order>? seen = null;
        var handlers = new TaskHandlerRegistry()
            .Register<Order>("order", (context, _) =>
            {
                seen = context;
                return Task.CompletedTask;
            })
            .RegisterDefault<JsonElement>((_, _) => throw new InvalidOperationException("wrong handler"));

        var result = await new PgQueueWorker(Client, handlers, Options("w1")).RunOnceAsync();

        Assert.Equal(1, result.TasksCompleted);
        Assert.NotNull(seen);
        Assert.Equal(new Order(42, "Ada"), seen.Payload);
        Assert.Equal(id, seen.TaskId);
        Assert.Equal("orders", seen.BatchId);
        Assert.Equal("order", seen.TaskType);
        Assert.Equal(0, seen.Attempts);
    }

    [Fact]
    public async Task A_task_without_a_handler_fails_like_a_throwing_handler()
    {
        var id = await Client.EnqueueAsync("a", "{}", new EnqueueOptions { TaskType = "unknown" });
        var handlers = new TaskHandlerRegistry().Register<JsonElement>("known", (_, _) => Task.CompletedTask);

        var result = await new PgQueueWorker(Client, handlers, Options("w1")).RunOnceAsync();

        Assert.Equal(1, result.TasksFailed);
        Assert.Equal(1, await Sql.ScalarAsync<int>(Database.ConnectionString,
            "SELECT attempts FROM pgqueue.pending_tasks WHERE task_id = $1", id));
    }

    private static PgQueueWorkerOptions Options(string workerId) => new() { WorkerId = workerId, Lease = TimeSpan.FromSeconds(30) };
}
