using System.Text.Json;
using PgQueue.Lambda.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Lambda.Tests;

/// <summary>The entry point, called in process with real inputs, against a real PostgreSQL.</summary>
[Collection(LambdaDatabaseCollection.Name)]
public sealed class LambdaHandlerTests(LambdaDatabaseFixture database) : IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Empty_queue_costs_one_round_trip_of_two_statements_on_a_warm_function()
    {
        await using var lambda = LambdaHarness.Create(database);
        database.Counter.Reset();
        var cold = await lambda.InvokeAsync();
        Assert.Equal(InvocationOutcome.Empty, cold.Outcome);
        Assert.Equal(1, database.Counter.Connections);

        for (var warm = 0; warm < 3; warm++)
        {
            await database.ResetStatementsAsync();
            database.Counter.Reset();

            var result = await lambda.InvokeAsync();

            Assert.Equal(InvocationOutcome.Empty, result.Outcome);
            Assert.Equal(WorkerStopReason.NothingToClaim, result.StopReason);
            Assert.Equal(0, result.Claims);
            Assert.Equal(1, database.Counter.RoundTrips);
            Assert.Equal(0, database.Counter.SimpleQueries);
            Assert.Equal(0, database.Counter.Connections);
            // enqueue_due_schedules and claim_batch travel in one batch: two statements, one Sync.
            var statements = await database.LambdaStatementsAsync();
            Assert.Equal(2, statements.Count);
            Assert.Single(statements, s => s.Query.Contains("pgqueue.enqueue_due_schedules()", StringComparison.Ordinal) && s.Calls == 1);
            Assert.Single(statements, s => s.Query.Contains("pgqueue.claim_batch(", StringComparison.Ordinal) && s.Calls == 1);
            Assert.Equal(0, result.ScheduledTasksEnqueued);
        }

        var summaries = lambda.LogLines(LambdaEventId.InvocationFinished);
        Assert.Equal(4, summaries.Count);
        Assert.All(summaries, line => Assert.Equal("empty", line.GetProperty("outcome").GetString()));
        var metrics = lambda.MetricLines();
        Assert.Equal(4, metrics.Count);
        Assert.All(metrics, line =>
        {
            Assert.Equal(1, line.GetProperty("InvocationEmpty").GetInt32());
            Assert.Equal(0, line.GetProperty("TasksCompleted").GetInt32());
            Assert.False(line.TryGetProperty("TaskDuration", out _));
        });
    }

    [Fact]
    public async Task A_busy_batch_is_drained_in_order_and_released()
    {
        var ids = await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 6, new SleepTask(Record: true));
        await using var lambda = LambdaHarness.Create(database);

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Worked, result.Outcome);
        Assert.Equal(6, result.TasksCompleted);
        Assert.Equal(["A"], result.Batches);
        var recorded = await Queue.RecordedAsync(database.ConnectionString, "A");
        Assert.Equal(ids, recorded.Select(r => r.TaskId));
        Assert.Single(recorded.Select(r => r.LeaseToken).Distinct());
        var status = await Queue.StatusAsync(database.ConnectionString, "A");
        Assert.Equal(0, status!.Pending);
        Assert.Null(status.Owner);

        var taskLines = lambda.LogLines(LambdaEventId.TaskFinished);
        Assert.Equal(ids, taskLines.Select(line => line.GetProperty("taskId").GetInt64()));
        Assert.All(taskLines, line =>
        {
            Assert.Equal("Information", line.GetProperty("level").GetString());
            Assert.Equal("completed", line.GetProperty("outcome").GetString());
            Assert.Equal("A", line.GetProperty("batchId").GetString());
            Assert.Equal(lambda.Function.WorkerId, line.GetProperty("workerId").GetString());
            Assert.Equal(1, line.GetProperty("attempt").GetInt32());
            Assert.Equal(JsonValueKind.Number, line.GetProperty("durationMs").ValueKind);
        });
        var summary = Assert.Single(lambda.LogLines(LambdaEventId.InvocationFinished));
        Assert.Equal(6, summary.GetProperty("tasksCompleted").GetInt32());
        var metrics = Assert.Single(lambda.MetricLines());
        Assert.Equal(6, metrics.GetProperty("TasksCompleted").GetInt32());
        Assert.Equal(1, metrics.GetProperty("InvocationWorked").GetInt32());
        Assert.Equal(6, metrics.GetProperty("TaskDuration").GetArrayLength());
    }

    [Fact]
    public async Task The_task_limit_stops_with_work_left_and_releases_the_lease()
    {
        var ids = await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 5, new SleepTask(Record: true));
        await using var lambda = LambdaHarness.Create(database, (LambdaSettings.MaxTasksVariable, "2"));

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Busy, result.Outcome);
        Assert.Equal(WorkerStopReason.MaxTasksReached, result.StopReason);
        Assert.Equal(2, result.TasksCompleted);
        Assert.Equal(ids.Take(2), (await Queue.RecordedAsync(database.ConnectionString, "A")).Select(r => r.TaskId));
        var status = await Queue.StatusAsync(database.ConnectionString, "A");
        Assert.Equal(3, status!.Pending);
        Assert.Null(status.Owner);
    }

    [Fact]
    public async Task Max_tasks_1_runs_one_task_per_invocation()
    {
        var ids = await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 3, new SleepTask(Record: true));
        await using var lambda = LambdaHarness.Create(database, (LambdaSettings.MaxTasksVariable, "1"));

        for (var i = 1; i <= 3; i++)
        {
            var result = await lambda.InvokeAsync();
            Assert.Equal(1, result.TasksCompleted);
            Assert.Equal(ids.Take(i), (await Queue.RecordedAsync(database.ConnectionString, "A")).Select(r => r.TaskId));
        }

        Assert.Equal(InvocationOutcome.Empty, (await lambda.InvokeAsync()).Outcome);
    }

    [Fact]
    public async Task An_invocation_claims_further_batches_while_budget_remains()
    {
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 2, new SleepTask(Record: true));
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "B", 2, new SleepTask(Record: true));
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "C", 2, new SleepTask(Record: true));
        await using var lambda = LambdaHarness.Create(database);

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Worked, result.Outcome);
        Assert.Equal(WorkerStopReason.NothingToClaim, result.StopReason);
        Assert.Equal(["A", "B", "C"], result.Batches);
        Assert.Equal(6, result.TasksCompleted);
        foreach (var batch in new[] { "A", "B", "C" })
        {
            Assert.Null((await Queue.StatusAsync(database.ConnectionString, batch))!.Owner);
        }
    }

    [Fact]
    public async Task The_preferred_batch_is_claimed_first_from_the_input_or_the_configuration()
    {
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 2, new SleepTask(Record: true));
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "B", 2, new SleepTask(Record: true));
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "C", 2, new SleepTask(Record: true));
        await using var configured = LambdaHarness.Create(database,
            (LambdaSettings.PreferredBatchVariable, "C"), (LambdaSettings.MaxTasksVariable, "1"));

        var fromInput = await configured.InvokeAsync("""{"preferredBatchId": "B", "workerId": "manual-1"}""");
        var fromConfiguration = await configured.InvokeAsync();

        Assert.Equal(["B"], fromInput.Batches);
        Assert.Equal("manual-1", fromInput.WorkerId);
        Assert.Equal(["C"], fromConfiguration.Batches);
        Assert.Equal(configured.Function.WorkerId, fromConfiguration.WorkerId);
        Assert.Equal("pgqueue-test:0123456789abcdef", configured.Function.WorkerId);
        Assert.Equal(2, (await Queue.StatusAsync(database.ConnectionString, "A"))!.Pending);
    }

    [Fact]
    public async Task Batches_leased_by_other_workers_are_left_alone()
    {
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 2, new SleepTask(Record: true));
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "B", 2, new SleepTask(Record: true));
        await using var other = PgQueueClient.Create(database.ConnectionString);
        await using var leaseA = await other.ClaimBatchAsync("other-worker", "A", TimeSpan.FromMinutes(5));
        await using var leaseB = await other.ClaimBatchAsync("other-worker", "B", TimeSpan.FromMinutes(5));
        await using var lambda = LambdaHarness.Create(database);
        await lambda.InvokeAsync();
        await database.ResetStatementsAsync();
        database.Counter.Reset();

        var allLocked = await lambda.InvokeAsync("""{"preferredBatchId": "A"}""");

        Assert.Equal(InvocationOutcome.Empty, allLocked.Outcome);
        Assert.Equal(1, database.Counter.RoundTrips);
        Assert.Equal(2, (await database.LambdaStatementsAsync()).Count);
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "C", 2, new SleepTask(Record: true));

        var oneFree = await lambda.InvokeAsync("""{"preferredBatchId": "A"}""");

        Assert.Equal(["C"], oneFree.Batches);
        Assert.Equal(2, oneFree.TasksCompleted);
        Assert.Equal(InvocationOutcome.Worked, oneFree.Outcome);
        foreach (var (batch, lease) in new[] { ("A", leaseA!), ("B", leaseB!) })
        {
            var status = await Queue.StatusAsync(database.ConnectionString, batch);
            Assert.Equal("other-worker", status!.Owner);
            Assert.Equal(2, status.Pending);
            Assert.True(lease.IsHeld);
        }

        Assert.Empty(await Queue.RecordedAsync(database.ConnectionString, "A"));
    }

    [Fact]
    public async Task Budget_exhaustion_stops_starting_tasks_and_releases_the_lease()
    {
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 10, new SleepTask(SleepMs: 300, Record: true));
        await using var lambda = LambdaHarness.Create(database, (LambdaSettings.TimeBudgetVariable, "1s"));

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Busy, result.Outcome);
        Assert.Equal(WorkerStopReason.TimeBudgetReached, result.StopReason);
        Assert.InRange(result.TasksCompleted, 1, 9);
        var status = await Queue.StatusAsync(database.ConnectionString, "A");
        Assert.Null(status!.Owner);
        Assert.Null(status.LeaseExpiresAt);
        Assert.Equal(10 - result.TasksCompleted, status.Pending);
        Assert.Equal(result.TasksCompleted, (await Queue.RecordedAsync(database.ConnectionString, "A")).Count);
        Assert.Equal(1, Assert.Single(lambda.MetricLines()).GetProperty("InvocationBusy").GetInt32());
    }

    [Fact]
    public async Task The_lease_is_renewed_when_it_would_run_short()
    {
        // 4 s of work under a 3 s lease: it completes only if the heartbeat (every second) renews the lease.
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 4, new SleepTask(SleepMs: 1000, Record: true));
        await using var lambda = LambdaHarness.Create(database, (LambdaSettings.LeaseVariable, "3s"));

        var result = await lambda.InvokeAsync();

        Assert.Equal(4, result.TasksCompleted);
        Assert.Equal(InvocationOutcome.Worked, result.Outcome);
        var recorded = await Queue.RecordedAsync(database.ConnectionString, "A");
        Assert.Equal(4, recorded.Count);
        Assert.Single(recorded.Select(r => r.LeaseToken).Distinct());
        Assert.DoesNotContain(lambda.LogLines(LambdaEventId.TaskFinished), line => line.GetProperty("outcome").GetString() != "completed");
    }

    [Fact]
    public async Task Failed_and_dead_tasks_are_logged_and_counted_in_the_metrics()
    {
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 1, new SleepTask(Fail: true), maxAttempts: 1);
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 1, new SleepTask(FailAttempts: 1, Record: true));
        await using var lambda = LambdaHarness.Create(database);

        var result = await lambda.InvokeAsync();

        Assert.Equal(1, result.TasksDead);
        Assert.Equal(1, result.TasksFailed);
        Assert.Equal(0, result.TasksCompleted);
        Assert.Equal(InvocationOutcome.Worked, result.Outcome);
        var lines = lambda.LogLines(LambdaEventId.TaskFinished);
        Assert.Collection(lines,
            dead =>
            {
                Assert.Equal("Error", dead.GetProperty("level").GetString());
                Assert.Equal("dead", dead.GetProperty("outcome").GetString());
                Assert.Contains("fails try 1", dead.GetProperty("error").GetString(), StringComparison.Ordinal);
            },
            failed =>
            {
                Assert.Equal("Warning", failed.GetProperty("level").GetString());
                Assert.Equal("retry", failed.GetProperty("outcome").GetString());
            });
        var metrics = Assert.Single(lambda.MetricLines());
        Assert.Equal(1, metrics.GetProperty("TasksDeadLettered").GetInt32());
        Assert.Equal(1, metrics.GetProperty("TasksFailed").GetInt32());
        var status = await Queue.StatusAsync(database.ConnectionString, "A");
        Assert.Equal(1, status!.Dead);
        Assert.Equal(1, status.Pending);
        Assert.Null(status.Owner);
    }

    [Theory]
    [InlineData("{\"preferredBatchId\": ", "invalid JSON input", 0)]
    [InlineData("[\"A\"]", "must be a JSON object", 0)]
    [InlineData("{\"preferredBatchId\": 7}", "\"preferredBatchId\" must be a string", 0)]
    [InlineData("{\"workerId\": \"\"}", "\"workerId\" is empty", 0)]
    [InlineData("{\"preferredBatchId\": \"no spaces allowed\"}", "invalid batch id: 'no spaces allowed'", 1)]
    public async Task Invalid_input_gets_an_error_result_and_nothing_is_claimed(string input, string expected, int connections)
    {
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 1, new SleepTask(Record: true));
        await using var lambda = LambdaHarness.Create(database);
        database.Counter.Reset();

        var result = await lambda.InvokeAsync(input);

        Assert.Equal(InvocationOutcome.Rejected, result.Outcome);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Equal(0, result.Claims);
        // Malformed input never reaches the database; a batch id only the contract can judge costs the refused claim.
        Assert.Equal(connections, database.Counter.Connections);
        if (connections == 0)
        {
            Assert.Equal(0, database.Counter.RoundTrips);
        }

        var status = await Queue.StatusAsync(database.ConnectionString, "A");
        Assert.Null(status!.Owner);
        Assert.Equal(1, status.Pending);
        Assert.Equal(0, status.HeadAttempts);
        var rejected = Assert.Single(lambda.LogLines(LambdaEventId.InvocationRejected));
        Assert.Equal("Error", rejected.GetProperty("level").GetString());
        Assert.Empty(lambda.MetricLines());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData(LambdaHarness.ScheduledEvent)]
    public async Task A_scheduled_event_or_an_empty_input_runs_with_the_defaults(string input)
    {
        await Queue.EnqueueSleepsAsync(database.ConnectionString, "A", 1, new SleepTask(Record: true));
        await using var lambda = LambdaHarness.Create(database);

        var result = await lambda.InvokeAsync(input);

        Assert.Equal(InvocationOutcome.Worked, result.Outcome);
        Assert.Equal(1, result.TasksCompleted);
    }

    [Fact]
    public async Task Bad_configuration_fails_at_start_with_one_logged_message_per_variable()
    {
        var variables = LambdaHarness.Environment(database,
            (LambdaSettings.ConnectionVariable, null),
            (LambdaSettings.TimeBudgetVariable, "fast"),
            (LambdaSettings.MaxTasksVariable, "-1"));
        using var output = new MemoryStream();

        var exception = Assert.Throws<LambdaConfigurationException>(() =>
            new Function(DemoTasks.CreateRegistry(), name => variables.GetValueOrDefault(name), output));

        Assert.Equal(3, exception.Problems.Count);
        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(exception.Problems, lines.Select(line => line.GetProperty("problem").GetString()));
        Assert.All(lines, line =>
        {
            Assert.Equal("Critical", line.GetProperty("level").GetString());
            Assert.Equal(LambdaEventId.ConfigurationInvalid, line.GetProperty("eventId").GetInt32());
        });
    }

    [Fact]
    public async Task An_unreachable_database_fails_the_invocation_and_logs_why()
    {
        await using var lambda = LambdaHarness.Create(database,
            (LambdaSettings.ConnectionVariable, "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2"));

        await Assert.ThrowsAnyAsync<Npgsql.NpgsqlException>(() => lambda.InvokeAsync());

        var failed = Assert.Single(lambda.LogLines(LambdaEventId.InvocationFailed));
        Assert.Equal("Error", failed.GetProperty("level").GetString());
        Assert.Empty(lambda.MetricLines());
    }
}
