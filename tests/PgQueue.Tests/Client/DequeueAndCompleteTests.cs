using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class DequeueAndCompleteTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task DequeueTaskAsync_returns_the_head_task_with_its_type_payload_and_attempts()
    {
        var head = await Client.EnqueueAsync("a", """{"n":1}""", new EnqueueOptions { TaskType = "mail" });
        await Client.EnqueueAsync("a", """{"n":2}""");
        await using var lease = await Client.ClaimBatchAsync("w1");
        await using var work = await BeginTaskAsync();

        var task = await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);

        Assert.NotNull(task);
        Assert.Equal(head, task.TaskId);
        Assert.Equal("mail", task.TaskType);
        Assert.Equal(1, task.Payload.GetProperty("n").GetInt32());
        Assert.Equal(0, task.Attempts);
    }

    [Fact]
    public async Task DequeueTaskAsync_returns_nothing_for_an_empty_batch()
    {
        await Client.EnqueueAsync("a", "{}");
        await using var lease = await Client.ClaimBatchAsync("w1");
        await using (var first = await BeginTaskAsync())
        {
            var task = await Client.DequeueTaskAsync(first.Transaction, "a", lease!.LeaseToken);
            await Client.CompleteTaskAsync(first.Transaction, task!.TaskId, lease.LeaseToken);
            await first.CommitAsync();
        }

        await using var second = await BeginTaskAsync();
        Assert.Null(await Client.DequeueTaskAsync(second.Transaction, "a", lease.LeaseToken));
    }

    [Fact]
    public async Task CompleteTaskAsync_deletes_the_task_when_its_transaction_commits_and_the_next_becomes_head()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}"]);
        await using var lease = await Client.ClaimBatchAsync("w1");

        await using (var work = await BeginTaskAsync())
        {
            var task = await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
            await Client.CompleteTaskAsync(work.Transaction, task!.TaskId, lease.LeaseToken);
            Assert.Equal(2, (await CountsAsync()).Tasks);
            await work.CommitAsync();
        }

        Assert.Equal(1, (await CountsAsync()).Tasks);
        await using var next = await BeginTaskAsync();
        Assert.Equal(ids[1], (await Client.DequeueTaskAsync(next.Transaction, "a", lease.LeaseToken))?.TaskId);
    }

    [Fact]
    public async Task CompleteTaskAsync_rolled_back_leaves_the_task_pending_as_head_without_an_attempt()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}"]);
        await using var lease = await Client.ClaimBatchAsync("w1");
        await using (var work = await BeginTaskAsync())
        {
            var task = await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
            await Client.CompleteTaskAsync(work.Transaction, task!.TaskId, lease.LeaseToken);
            await work.RollbackAsync();
        }

        await using var again = await BeginTaskAsync();
        var head = await Client.DequeueTaskAsync(again.Transaction, "a", lease.LeaseToken);
        Assert.Equal(ids[0], head?.TaskId);
        Assert.Equal(0, head?.Attempts);
    }

    [Fact]
    public async Task DequeueTaskAsync_returns_nothing_while_head_is_locked()
    {
        await Client.EnqueueManyAsync("a", ["{}", "{}"]);
        await using var lease = await Client.ClaimBatchAsync("w1");
        await using var holder = await BeginTaskAsync();
        Assert.NotNull(await Client.DequeueTaskAsync(holder.Transaction, "a", lease!.LeaseToken));

        await using var other = await BeginTaskAsync();
        var second = await Client.DequeueTaskAsync(other.Transaction, "a", lease.LeaseToken);

        Assert.Null(second);
    }

    [Fact]
    public async Task CompleteTaskAsync_of_a_task_behind_the_head_throws_NotHeadTaskException_and_changes_nothing()
    {
        var ids = await Client.EnqueueManyAsync("a", ["{}", "{}"]);
        await using var lease = await Client.ClaimBatchAsync("w1");
        var before = await CountsAsync();
        await using (var work = await BeginTaskAsync())
        {
            await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);

            var error = await Assert.ThrowsAsync<NotHeadTaskException>(
                () => Client.CompleteTaskAsync(work.Transaction, ids[1], lease.LeaseToken));

            Assert.Equal(PgQueueErrorCodes.NotHeadTask, error.SqlState);
            await work.RollbackAsync();
        }

        Assert.Equal(before, await CountsAsync());
    }
}
