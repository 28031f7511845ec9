using System.Net;
using System.Net.Http.Json;
using PgQueue.Api.Tests.Support;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class ProcessTaskTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Process_task_says_nothing_to_do_on_an_empty_queue()
    {
        using var worker = Worker();
        var before = await CountsAsync();

        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);

        Assert.Equal("nothing to do", result.GetProperty("outcome").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("batchId").ValueKind);
        Assert.Equal("nothingToClaim", result.GetProperty("stopReason").GetString());
        Assert.Equal(0, result.GetProperty("tasks").GetArrayLength());
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task Process_task_runs_the_head_task_in_its_transaction_and_releases_the_batch()
    {
        var head = await EnqueueAsync("A", taskType: TestHandlers.Record);
        var next = await EnqueueAsync("A", taskType: TestHandlers.Record);
        using var worker = Worker();

        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w-1" }), HttpStatusCode.OK);

        Assert.Equal("processed", result.GetProperty("outcome").GetString());
        Assert.Equal("A", result.GetProperty("batchId").GetString());
        Assert.Equal("maxTasksReached", result.GetProperty("stopReason").GetString());
        Assert.Equal(1, result.GetProperty("tasksCompleted").GetInt32());
        var run = Assert.Single(result.GetProperty("tasks").EnumerateArray());
        Assert.Equal(head, run.GetProperty("taskId").GetInt64());
        Assert.Equal("completed", run.GetProperty("outcome").GetString());
        Assert.Equal(1, run.GetProperty("attempt").GetInt32());

        Assert.Equal(head, await Sql.ScalarAsync<long>(ConnectionString, "SELECT task_id FROM public.test_log"));
        Assert.Equal(next, await Sql.ScalarAsync<long>(ConnectionString, "SELECT min(task_id) FROM pgqueue.pending_tasks"));
        var batch = await JsonAsync(await worker.GetAsync("/batches"), HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, batch.GetProperty("batches")[0].GetProperty("owner").ValueKind);
    }

    [Fact]
    public async Task Process_task_takes_the_preferred_batch_before_an_older_one()
    {
        await EnqueueAsync("older");
        var preferred = await EnqueueAsync("preferred");
        using var worker = Worker();

        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w", batchId = "preferred" }), HttpStatusCode.OK);

        Assert.Equal("preferred", result.GetProperty("batchId").GetString());
        Assert.Equal(preferred, result.GetProperty("tasks")[0].GetProperty("taskId").GetInt64());
    }

    [Fact]
    public async Task Process_task_takes_another_batch_when_the_preferred_one_has_nothing_to_do()
    {
        var other = await EnqueueAsync("other");
        using var worker = Worker();

        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w", batchId = "empty" }), HttpStatusCode.OK);

        Assert.Equal("other", result.GetProperty("batchId").GetString());
        Assert.Equal(other, result.GetProperty("tasks")[0].GetProperty("taskId").GetInt64());
    }

    [Fact]
    public async Task A_failing_task_is_reported_and_stays_the_head_for_a_retry()
    {
        var taskId = await EnqueueAsync("A", new { failAttempts = 1, error = "printer on fire" }, taskType: "demo.sleep", maxAttempts: 3);
        using var worker = Worker();

        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);

        var run = Assert.Single(result.GetProperty("tasks").EnumerateArray());
        Assert.Equal("retry", run.GetProperty("outcome").GetString());
        Assert.Contains("printer on fire", run.GetProperty("error").GetString());
        Assert.Equal(1, result.GetProperty("tasksFailed").GetInt32());
        using var admin = Admin();
        var task = await JsonAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.OK);
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Contains("printer on fire", task.GetProperty("lastError").GetString());
    }

    [Fact]
    public async Task A_task_without_a_handler_fails_with_a_message_that_says_so()
    {
        await EnqueueAsync("A", taskType: "nobody.handles.this", maxAttempts: 1);
        using var worker = Worker();

        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);

        var run = Assert.Single(result.GetProperty("tasks").EnumerateArray());
        Assert.Equal("dead", run.GetProperty("outcome").GetString());
        Assert.Contains("No handler is registered for task type 'nobody.handles.this'", run.GetProperty("error").GetString());
    }

    [Fact]
    public async Task With_a_task_budget_process_task_drains_the_batch_in_order()
    {
        await using var api = new ApiFactory(Fixture.Settings(new Dictionary<string, string?> { ["PgQueue:Api:ProcessTaskMaxTasks"] = "10" }));
        var ids = new[] { await EnqueueAsync("A"), await EnqueueAsync("A"), await EnqueueAsync("A") };
        await EnqueueAsync("B");
        using var worker = WithKey(ApiFixture.WorkerKey, api);

        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w", batchId = "A" }), HttpStatusCode.OK);

        Assert.Equal("noRunnableTask", result.GetProperty("stopReason").GetString());
        Assert.Equal(ids, result.GetProperty("tasks").EnumerateArray().Select(run => run.GetProperty("taskId").GetInt64()));
        Assert.Equal(1L, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task Process_task_stops_draining_when_the_next_task_would_not_fit_the_time_budget()
    {
        await using var api = new ApiFactory(Fixture.Settings(new Dictionary<string, string?>
        {
            ["PgQueue:Api:ProcessTaskMaxTasks"] = "100",
            ["PgQueue:Api:ProcessTaskTimeBudget"] = "00:00:01",
        }));
        for (var i = 0; i < 5; i++)
        {
            await EnqueueAsync("A", new { sleepMs = 300 }, taskType: "demo.sleep");
        }

        using var worker = WithKey(ApiFixture.WorkerKey, api);
        var result = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);

        Assert.Equal("timeBudgetReached", result.GetProperty("stopReason").GetString());
        var completed = result.GetProperty("tasksCompleted").GetInt32();
        Assert.InRange(completed, 1, 4);
        Assert.Equal(5L - completed, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task A_lease_lost_during_the_task_answers_409_PQ001_and_rolls_the_task_back()
    {
        var taskId = await EnqueueAsync("A", taskType: TestHandlers.ExpireLease);
        using var worker = Worker();

        var problem = await ProblemAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.Conflict, "PQ001");

        var result = problem.GetProperty("result");
        Assert.Equal("leaseLost", result.GetProperty("stopReason").GetString());
        Assert.Equal("leaseLost", result.GetProperty("tasks")[0].GetProperty("outcome").GetString());
        Assert.Equal(taskId, await Sql.ScalarAsync<long>(ConnectionString, "SELECT task_id FROM pgqueue.pending_tasks"));
    }

    public static TheoryData<string, string?> BadRequests => new()
    {
        { """{"workerId":""}""", null },
        { """{"batchId":"A"}""", null },
        { """{"workerId":null}""", null },
        { """{"workerId":"w","batchId":"no spaces please"}""", "PQ002" },
        { $$"""{"workerId":"{{new string('w', 201)}}"}""", "PQ004" },
        { """{"workerId":"w","preferredBatch":"A"}""", null },
        { "{\"workerId\":", null },
        { "", null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Process_task_rejects_bad_input_with_400_and_runs_nothing(string body, string? sqlState)
    {
        await EnqueueAsync("A", taskType: TestHandlers.Record);
        using var worker = Worker();

        await RejectedAsync(() => worker.PostAsync("/process-task", Json(body)), HttpStatusCode.BadRequest, sqlState);

        Assert.Equal(0L, await Sql.ScalarAsync<long>(ConnectionString, "SELECT count(*) FROM public.test_log"));
    }
}
