using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Client;

// The second part of the contract through the client: schedules, batch priority, task history and task lookup.
public sealed class SchedulesTests(DatabaseFixture database) : QueueTest(database)
{
    [Fact]
    public async Task SetScheduleAsync_returns_the_next_run_and_the_schedule_shows_up_in_schedule_status()
    {
        var before = await Sql.ScalarAsync<DateTime>(Database.ConnectionString, "SELECT now()");

        var nextRun = await Client.SetScheduleAsync("health", "checks", every: TimeSpan.FromSeconds(5),
            payloadJson: """{"probe": "db"}""", taskType: "health.check");

        var status = await Client.GetScheduleAsync("health");
        Assert.NotNull(status);
        Assert.Equal(("health", "checks", "health.check", TimeSpan.FromSeconds(5), (string?)null, "UTC", nextRun, (DateTimeOffset?)null),
            (status.ScheduleName, status.BatchId, status.TaskType, status.Every, status.Cron, status.TimeZone, status.NextRun, status.LastSlot));
        Assert.InRange((nextRun.UtcDateTime - before).TotalSeconds, 4, 6);
        Assert.Equal(0, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task A_cron_schedule_in_a_zone_runs_at_the_next_local_slot()
    {
        var nextRun = await Client.SetScheduleAsync("report", "reports", cron: "30 2 * * *", timeZone: "Europe/Berlin");

        var local = TimeZoneInfo.ConvertTime(nextRun, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.Equal((2, 30, 0), (local.Hour, local.Minute, local.Second));
        Assert.Equal("30 2 * * *", (await Client.GetScheduleAsync("report"))?.Cron);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(5, "* * * * *")]
    [InlineData(null, "61 * * * *")]
    [InlineData(null, "@daily")]
    public async Task Bad_schedules_raise_InvalidQueueArgumentException_and_write_nothing(int? everySeconds, string? cron)
    {
        var every = everySeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;

        var error = await Assert.ThrowsAsync<InvalidQueueArgumentException>(
            () => Client.SetScheduleAsync("bad", "b", every, cron));

        Assert.Equal(PgQueueErrorCodes.InvalidArgument, error.SqlState);
        Assert.Empty(await Client.GetSchedulesAsync());
    }

    [Fact]
    public async Task An_unknown_time_zone_raises_InvalidQueueArgumentException()
    {
        var error = await Assert.ThrowsAsync<InvalidQueueArgumentException>(
            () => Client.SetScheduleAsync("bad", "b", cron: "0 * * * *", timeZone: "Mars/Olympus_Mons"));

        Assert.Contains("Mars/Olympus_Mons", error.Message, StringComparison.Ordinal);
        Assert.Null(await Client.GetScheduleAsync("bad"));
    }

    [Fact]
    public async Task EnqueueDueSchedulesAsync_enqueues_one_task_per_due_schedule_and_nothing_on_the_second_call()
    {
        await Client.SetScheduleAsync("a", "lane-a", every: TimeSpan.FromMinutes(1), payloadJson: """{"n": 1}""", taskType: "t.a");
        await Client.SetScheduleAsync("b", "lane-b", every: TimeSpan.FromMinutes(1));
        await Client.SetScheduleAsync("later", "lane-c", every: TimeSpan.FromHours(1));
        // Make two of them due, as if a minute (several, even: missed slots collapse) had passed.
        await Sql.ExecuteAsync(Database.ConnectionString,
            "UPDATE pgqueue.schedules SET next_run = now() - interval '3 minutes' WHERE schedule_name IN ('a', 'b')");

        Assert.Equal(2, await Client.EnqueueDueSchedulesAsync());
        Assert.Equal(0, await Client.EnqueueDueSchedulesAsync());

        var pending = await Client.GetPendingTasksAsync("lane-a");
        var task = Assert.Single(pending);
        Assert.Equal("t.a", task.TaskType);
        Assert.Equal(1, task.Payload.GetProperty("n").GetInt32());
        Assert.StartsWith("a@", task.DedupKey, StringComparison.Ordinal);
        var status = await Client.GetScheduleAsync("a");
        Assert.NotNull(status?.LastSlot);
        Assert.True(status.NextRun > status.LastSlot);
        Assert.Empty(await Client.GetPendingTasksAsync("lane-c"));
    }

    [Fact]
    public async Task DropScheduleAsync_says_whether_there_was_one()
    {
        await Client.SetScheduleAsync("a", "lane", every: TimeSpan.FromMinutes(1));

        Assert.True(await Client.DropScheduleAsync("a"));
        Assert.False(await Client.DropScheduleAsync("a"));
        Assert.Empty(await Client.GetSchedulesAsync());
    }

    [Fact]
    public async Task GetSchedulesAsync_pages_in_name_order()
    {
        foreach (var name in new[] { "c", "a", "b" })
        {
            await Client.SetScheduleAsync(name, "lane", every: TimeSpan.FromMinutes(1));
        }

        var first = await Client.GetSchedulesAsync(limit: 2);
        var second = await Client.GetSchedulesAsync(afterScheduleName: first[^1].ScheduleName, limit: 2);

        Assert.Equal(["a", "b"], first.Select(s => s.ScheduleName));
        Assert.Equal(["c"], second.Select(s => s.ScheduleName));
    }

    [Fact]
    public async Task NextCronRunAsync_evaluates_in_the_zone_after_the_given_moment()
    {
        var after = new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero);

        // 29 March 2026: Berlin skips 02:00–03:00; a 02:30 job runs when the gap ends, at 03:00 CEST = 01:00 UTC.
        var next = await Client.NextCronRunAsync("30 2 * * *", "Europe/Berlin", after);

        Assert.Equal(new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero), next);
        await Assert.ThrowsAsync<InvalidQueueArgumentException>(() => Client.NextCronRunAsync("0 0 30 2 *"));
    }

    [Fact]
    public async Task SetBatchPriorityAsync_makes_claims_take_the_higher_priority_batch_first()
    {
        await Client.EnqueueAsync("older", "{}");
        await Client.EnqueueAsync("urgent", "{}");

        await Client.SetBatchPriorityAsync("urgent", 10);

        await using var lease = await Client.ClaimBatchAsync("w1");
        Assert.Equal("urgent", lease?.BatchId);
        await Assert.ThrowsAsync<InvalidBatchIdException>(() => Client.SetBatchPriorityAsync("bad id", 1));
    }

    [Fact]
    public async Task FindTaskAsync_tells_pending_dead_completed_and_unknown_apart()
    {
        await Sql.ExecuteAsync(Database.ConnectionString, "UPDATE pgqueue.settings SET keep_completed = interval '1 day', max_attempts = 1");
        var done = await Client.EnqueueAsync("a", """{"k": "done"}""");
        var poison = await Client.EnqueueAsync("b", """{"k": "poison"}""");
        var waiting = await Client.EnqueueAsync("a", """{"k": "waiting"}""");
        await CompleteHeadAsync("a");
        await FailHeadAsync("b");

        var completed = await Client.FindTaskAsync(done);
        var dead = await Client.FindTaskAsync(poison);
        var pending = await Client.FindTaskAsync(waiting);
        var unknown = await Client.FindTaskAsync(waiting + 1000);

        Assert.Equal((TaskState.Completed, "done"), (completed.State, completed.Completed?.Payload.GetProperty("k").GetString()));
        Assert.Equal((TaskState.Dead, "boom"), (dead.State, dead.Dead?.LastError));
        Assert.Equal((TaskState.Pending, waiting), (pending.State, pending.Pending?.TaskId));
        Assert.Equal(new TaskLookup(waiting + 1000, TaskState.Unknown), unknown);
    }

    [Fact]
    public async Task RerunTaskAsync_enqueues_a_copy_of_a_retained_task_at_the_end_of_its_batch()
    {
        await Sql.ExecuteAsync(Database.ConnectionString, "UPDATE pgqueue.settings SET keep_completed = interval '1 day'");
        var original = await Client.EnqueueAsync("a", """{"k": 1}""", new EnqueueOptions { TaskType = "t" });
        await CompleteHeadAsync("a");
        var later = await Client.EnqueueAsync("a", """{"k": 2}""");

        var copy = await Client.RerunTaskAsync(original);

        Assert.True(copy > later);
        var task = await Client.GetPendingTaskAsync(copy);
        Assert.Equal(("a", "t", 1), (task?.BatchId, task?.TaskType, task?.Payload.GetProperty("k").GetInt32()));
        Assert.Equal(original, Assert.Single(await Client.GetCompletedTasksAsync("a")).TaskId);
    }

    [Fact]
    public async Task RerunTaskAsync_of_a_pending_or_unretained_task_raises_NotHeadTaskException_and_enqueues_nothing()
    {
        var pending = await Client.EnqueueAsync("a", "{}");
        var completed = await Client.EnqueueAsync("b", "{}");
        await CompleteHeadAsync("b"); // history is off by default: nothing retained

        await Assert.ThrowsAsync<NotHeadTaskException>(() => Client.RerunTaskAsync(pending));
        await Assert.ThrowsAsync<NotHeadTaskException>(() => Client.RerunTaskAsync(completed));
        Assert.Equal(1, (await CountsAsync()).Tasks);
        Assert.Empty(await Client.GetCompletedTasksAsync());
    }

    private async Task CompleteHeadAsync(string batchId)
    {
        var lease = await Client.ClaimBatchAsync("w1", batchId);
        await using (lease)
        {
            await using var work = await BeginTaskAsync();
            var task = await Client.DequeueTaskAsync(work.Transaction, batchId, lease!.LeaseToken);
            await Client.CompleteTaskAsync(work.Transaction, task!.TaskId, lease.LeaseToken);
            await work.CommitAsync();
        }
    }

    private async Task FailHeadAsync(string batchId)
    {
        var lease = await Client.ClaimBatchAsync("w1", batchId);
        await using (lease)
        {
            long taskId;
            await using (var work = await BeginTaskAsync())
            {
                taskId = (await Client.DequeueTaskAsync(work.Transaction, batchId, lease!.LeaseToken))!.TaskId;
            }

            await Client.FailTaskAsync(taskId, lease.LeaseToken, "boom");
        }
    }
}
