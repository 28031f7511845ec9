using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

public sealed class PauseResumeTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task A_paused_batch_keeps_its_tasks_and_is_claimed_again_after_resume()
    {
        await Client.EnqueueManyAsync("a", ["{}", "{}"]);

        await Client.PauseBatchAsync("a");

        Assert.Null(await Client.ClaimBatchAsync("w1"));
        var paused = await Client.GetBatchStatusAsync("a");
        Assert.Equal(("paused", 2L, true), (paused?.State, paused?.Pending, paused?.Paused));

        await Client.ResumeBatchAsync("a");

        await using var lease = await Client.ClaimBatchAsync("w1");
        Assert.Equal("a", lease?.BatchId);
    }

    [Fact]
    public async Task PauseBatchAsync_of_an_unknown_batch_creates_it_paused_so_later_tasks_wait()
    {
        await Client.PauseBatchAsync("new");
        await Client.EnqueueAsync("new", "{}");

        Assert.Null(await Client.ClaimBatchAsync("w1"));
        Assert.True((await Client.GetBatchStatusAsync("new"))?.Paused);
    }

    [Fact]
    public async Task ResumeBatchAsync_of_an_unknown_batch_changes_nothing()
    {
        var before = await Sql.SnapshotAsync(Database.ConnectionString);

        await Client.ResumeBatchAsync("unknown");

        Assert.Equal(before, await Sql.SnapshotAsync(Database.ConnectionString));
    }

    [Fact]
    public async Task A_worker_holding_the_lease_of_a_batch_paused_meanwhile_may_go_on()
    {
        var id = await Client.EnqueueAsync("a", "{}");
        await using var lease = await Client.ClaimBatchAsync("w1");
        await Client.PauseBatchAsync("a");

        await using var work = await BeginTaskAsync();
        var task = await Client.DequeueTaskAsync(work.Transaction, "a", lease!.LeaseToken);
        await Client.CompleteTaskAsync(work.Transaction, task!.TaskId, lease.LeaseToken);
        await work.CommitAsync();

        Assert.Equal(id, task.TaskId);
        Assert.Equal(0, (await CountsAsync()).Tasks);
    }
}
