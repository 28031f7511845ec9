using PgQueue.Lambda.Tests.Infrastructure;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Lambda.Tests;

/// <summary>Recurring tasks through the Lambda: <c>enqueue_due_schedules</c> rides in the first claim's round trip.</summary>
[Collection(LambdaDatabaseCollection.Name)]
public sealed class ScheduleTests(LambdaDatabaseFixture database) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_due_schedule_is_enqueued_and_run_by_the_invocation_whose_first_claim_enqueued_it()
    {
        await using var lambda = LambdaHarness.Create(database);
        await lambda.InvokeAsync();
        await SetDueScheduleAsync("report", "S");
        await database.ResetStatementsAsync();

        var result = await lambda.InvokeAsync();

        Assert.Equal(1, result.ScheduledTasksEnqueued);
        Assert.Equal(InvocationOutcome.Worked, result.Outcome);
        Assert.Equal(["S"], result.Batches);
        Assert.Equal(1, result.TasksCompleted);
        Assert.Single(await Queue.RecordedAsync(database.ConnectionString, "S"));
        var statements = await database.LambdaStatementsAsync();
        // Only the first claim carries it; the claim after the drained batch goes alone.
        Assert.Equal(1, Assert.Single(statements, s => s.Query.Contains("pgqueue.enqueue_due_schedules()", StringComparison.Ordinal)).Calls);
        Assert.Equal(2, Assert.Single(statements, s => s.Query.Contains("pgqueue.claim_batch(", StringComparison.Ordinal)).Calls);
        var summary = lambda.LogLines(LambdaEventId.InvocationFinished)[^1];
        Assert.Equal(1, summary.GetProperty("scheduledTasksEnqueued").GetInt32());
        Assert.Equal(1, lambda.MetricLines()[^1].GetProperty("ScheduledTasksEnqueued").GetInt32());
        await using var admin = PgQueueClient.Create(database.ConnectionString);
        Assert.NotNull((await admin.GetScheduleAsync("report"))!.LastSlot);
    }

    [Fact]
    public async Task A_rejected_claim_rolls_the_enqueue_of_its_round_trip_back()
    {
        await using var lambda = LambdaHarness.Create(database);
        await SetDueScheduleAsync("report", "S");
        await using var admin = PgQueueClient.Create(database.ConnectionString);

        // "bad id" passes the input's own checks; the database refuses it (PQ002) in the claim, after the enqueue.
        var result = await lambda.InvokeAsync("""{"preferredBatchId": "bad id"}""");

        Assert.Equal(InvocationOutcome.Rejected, result.Outcome);
        Assert.Null((await admin.GetScheduleAsync("report"))!.LastSlot);
        Assert.Null(await admin.GetBatchStatusAsync("S"));

        var next = await lambda.InvokeAsync();

        Assert.Equal(1, next.ScheduledTasksEnqueued);
        Assert.Equal(1, next.TasksCompleted);
    }

    // An every-1s schedule of recorded demo.sleep tasks, waited for until its first slot has come on the database's clock.
    private async Task SetDueScheduleAsync(string name, string batchId)
    {
        await using var admin = PgQueueClient.Create(database.ConnectionString);
        await admin.SetScheduleAsync(name, batchId, every: TimeSpan.FromSeconds(1), payloadJson: """{"record": true}""",
            taskType: DemoTasks.SleepTaskType);
        using var timeout = new CancellationTokenSource(Patience);
        while (!await Sql.ScalarAsync<bool>(database.ConnectionString,
            "SELECT next_run <= now() FROM pgqueue.schedule_status WHERE schedule_name = $1", name))
        {
            await Task.Delay(100, timeout.Token);
        }
    }
}
