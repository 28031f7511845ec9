using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Npgsql;
using PgQueue.Tests.Infrastructure;
using PgQueue.Worker.Tests.Support;
using Xunit;

namespace PgQueue.Worker.Tests;

/// <summary>The host's schedule loop: recurring tasks are enqueued on time by any number of hosts, once per slot.</summary>
public sealed class ScheduleTests(DatabaseFixture database) : WorkerHostTest(database)
{
    private const string TaskType = "test.scheduled";

    // What each run saw: its task id and the dedup key enqueue_due_schedules gave it (<schedule>@<slot>), read in the
    // task's own transaction, and which host ran it.
    private readonly ConcurrentQueue<(long TaskId, string DedupKey, string Host)> _runs = new();

    [Fact]
    public async Task A_schedule_every_2s_produces_tasks_that_the_host_runs()
    {
        var host = BuildHost(registry => Register(registry, "only"));
        await StartIdleAsync(host);

        await Client.SetScheduleAsync("heartbeat", "scheduled", every: TimeSpan.FromSeconds(2), payloadJson: """{"n": 1}""", taskType: TaskType);

        // The loop notices a new schedule within SchedulePollInterval (5 s), then follows its next runs.
        await WaitUntilAsync(() => Task.FromResult(_runs.Count >= 3), Patience, "three scheduled tasks ran");
        var runs = _runs.ToList();
        Assert.Equal(runs.Count, runs.Select(r => r.DedupKey).Distinct().Count());
        Assert.All(runs, r => Assert.StartsWith("heartbeat@", r.DedupKey, StringComparison.Ordinal));
        Assert.True(StatusOf(host).ScheduledTasksEnqueued >= 3);
        Assert.Equal(runs.Select(r => r.TaskId).Order(), runs.Select(r => r.TaskId));
    }

    [Fact]
    public async Task Two_hosts_never_enqueue_one_slot_twice()
    {
        await Client.SetScheduleAsync("tick", "ticks", every: TimeSpan.FromSeconds(1), taskType: TaskType);
        var first = BuildHost(registry => Register(registry, "first"), new Dictionary<string, string?>
        {
            ["PgQueue:Worker:WorkerIdPrefix"] = "first",
            ["PgQueue:Worker:SchedulePollInterval"] = "00:00:00.500",
        });
        var second = BuildHost(registry => Register(registry, "second"), new Dictionary<string, string?>
        {
            ["PgQueue:Worker:WorkerIdPrefix"] = "second",
            ["PgQueue:Worker:SchedulePollInterval"] = "00:00:00.500",
        });
        await Task.WhenAll(StartIdleAsync(first), StartIdleAsync(second));

        await WaitUntilAsync(() => Task.FromResult(_runs.Count >= 6), Patience, "six scheduled tasks ran");
        var before = StatusOf(first).ScheduledTasksEnqueued + StatusOf(second).ScheduledTasksEnqueued;
        var runs = _runs.ToList();

        // A slot enqueued twice would run twice under the same dedup key (the first copy completed before the second came).
        Assert.Equal(runs.Count, runs.Select(r => r.DedupKey).Distinct().Count());
        Assert.True(before >= runs.Count, $"the hosts counted {before} enqueued tasks, {runs.Count} ran");
        var firstSlot = runs.Min(r => DateTimeOffset.Parse(r.DedupKey[(r.DedupKey.IndexOf('@', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture));
        var lastSlot = await Sql.ScalarAsync<DateTime>(Database.ConnectionString,
            "SELECT last_slot FROM pgqueue.schedule_status WHERE schedule_name = 'tick'");
        var slots = (long)Math.Floor((new DateTimeOffset(lastSlot, TimeSpan.Zero) - firstSlot).TotalSeconds);
        // From the first slot that ran to the last one enqueued there are slots + 1 slots: never more tasks than that.
        Assert.True(before <= slots + 1, $"{before} tasks enqueued for {slots + 1} slots");
    }

    private void Register(TaskHandlerRegistry registry, string host) => registry.Register<JsonElement>(TaskType, async (task, cancellationToken) =>
    {
        await using var command = new NpgsqlCommand("SELECT dedup_key FROM pgqueue.tasks WHERE id = $1", task.Connection, task.Transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = task.TaskId });
        var dedupKey = (string)(await command.ExecuteScalarAsync(cancellationToken))!;
        _runs.Enqueue((task.TaskId, dedupKey, host));
    });
}
