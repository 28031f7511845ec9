using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PgQueue.Api.Tests.Support;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class TaskHistoryTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Get_task_names_the_state_of_a_pending_task_and_keeps_status_for_older_clients()
    {
        var taskId = await EnqueueAsync("A");
        using var admin = Admin();

        var task = await JsonAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.OK);

        Assert.Equal("pending", task.GetProperty("state").GetString());
        Assert.Equal("pending", task.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("completedAt").ValueKind);
    }

    [Fact]
    public async Task Get_task_shows_a_retained_completed_task()
    {
        await KeepCompletedTasksAsync();
        var taskId = await EnqueueAsync("A", new { n = 3 });
        using var admin = Admin();
        await ProcessAsync(admin);

        var task = await JsonAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.OK);

        Assert.Equal("completed", task.GetProperty("state").GetString());
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal("A", task.GetProperty("batchId").GetString());
        Assert.Equal("""{"n":3}""", task.GetProperty("payload").GetRawText());
        Assert.Equal("demo.sleep", task.GetProperty("taskType").GetString());
        Assert.Equal(0, task.GetProperty("attempts").GetInt32());
        Assert.True(task.GetProperty("completedAt").GetDateTimeOffset() >= task.GetProperty("enqueuedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Get_task_answers_404_with_state_unknown_for_a_completed_task_not_retained()
    {
        var taskId = await EnqueueAsync("A");
        using var admin = Admin();
        await ProcessAsync(admin);

        var problem = await ProblemAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.NotFound);

        Assert.Equal("unknown", problem.GetProperty("state").GetString());
        Assert.Equal(taskId, problem.GetProperty("taskId").GetInt64());
    }

    [Fact]
    public async Task An_unknown_task_is_told_apart_from_an_unknown_route_by_its_state()
    {
        using var admin = Admin();

        var unknownTask = await ProblemAsync(await admin.GetAsync("/tasks/424242"), HttpStatusCode.NotFound);
        var unknownRoute = await ProblemAsync(await admin.GetAsync("/tasks/not-a-number"), HttpStatusCode.NotFound);

        Assert.Equal("unknown", unknownTask.GetProperty("state").GetString());
        Assert.False(unknownRoute.TryGetProperty("state", out _));
    }

    [Fact]
    public async Task Rerun_of_a_dead_task_enqueues_a_copy_at_the_end_of_its_batch_and_removes_the_dead_one()
    {
        var dead = await EnqueueAsync("A", new { failAttempts = 1 }, maxAttempts: 1);
        using var admin = Admin();
        await ProcessAsync(admin);
        var later = await EnqueueAsync("A", new { n = 2 });

        using var response = await admin.PostAsync($"/tasks/{dead}/rerun", null);
        var rerun = await JsonAsync(response, HttpStatusCode.Created);

        var copy = rerun.GetProperty("taskId").GetInt64();
        Assert.True(copy > later);
        Assert.Equal(dead, rerun.GetProperty("rerunOf").GetInt64());
        Assert.Equal("A", rerun.GetProperty("batchId").GetString());
        Assert.Equal($"/tasks/{copy}", response.Headers.Location?.OriginalString);
        var task = await JsonAsync(await admin.GetAsync($"/tasks/{copy}"), HttpStatusCode.OK);
        Assert.Equal("pending", task.GetProperty("state").GetString());
        Assert.Equal("""{"failAttempts":1}""", task.GetProperty("payload").GetRawText());
        Assert.Equal(1, task.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(0, task.GetProperty("attempts").GetInt32());
        Assert.Equal(0, (await CountsAsync()).DeadTasks);

        // The dead original is gone, so rerunning it again finds nothing to copy.
        var again = await RejectedAsync(() => admin.PostAsync($"/tasks/{dead}/rerun", null), HttpStatusCode.NotFound, "PQ003");
        Assert.Equal("unknown", again.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Rerun_of_a_retained_completed_task_keeps_the_original_in_history()
    {
        await KeepCompletedTasksAsync();
        var original = await EnqueueAsync("A", new { n = 1 });
        using var admin = Admin();
        await ProcessAsync(admin);

        var rerun = await JsonAsync(await admin.PostAsync($"/tasks/{original}/rerun", null), HttpStatusCode.Created);
        var copy = rerun.GetProperty("taskId").GetInt64();

        var kept = await JsonAsync(await admin.GetAsync($"/tasks/{original}"), HttpStatusCode.OK);
        Assert.Equal("completed", kept.GetProperty("state").GetString());
        var pending = await JsonAsync(await admin.GetAsync($"/tasks/{copy}"), HttpStatusCode.OK);
        Assert.Equal("pending", pending.GetProperty("state").GetString());
        Assert.Equal("""{"n":1}""", pending.GetProperty("payload").GetRawText());

        // Rerun again: a completed original may be copied as often as it is retained.
        var second = await JsonAsync(await admin.PostAsync($"/tasks/{original}/rerun", null), HttpStatusCode.Created);
        Assert.True(second.GetProperty("taskId").GetInt64() > copy);
        Assert.Equal(2, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task Rerun_of_a_pending_task_is_a_409_PQ003_and_changes_nothing()
    {
        var taskId = await EnqueueAsync("A");
        using var admin = Admin();

        var problem = await RejectedAsync(() => admin.PostAsync($"/tasks/{taskId}/rerun", null), HttpStatusCode.Conflict, "PQ003");

        Assert.Equal("pending", problem.GetProperty("state").GetString());
        Assert.Equal(taskId, problem.GetProperty("taskId").GetInt64());
    }

    [Fact]
    public async Task Rerun_of_a_completed_task_that_is_not_retained_is_a_404_PQ003()
    {
        var taskId = await EnqueueAsync("A");
        using var admin = Admin();
        await ProcessAsync(admin);

        var problem = await RejectedAsync(() => admin.PostAsync($"/tasks/{taskId}/rerun", null), HttpStatusCode.NotFound, "PQ003");
        Assert.Equal("unknown", problem.GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("/tasks/424242/rerun", HttpStatusCode.NotFound)]
    [InlineData("/tasks/-1/rerun", HttpStatusCode.NotFound)]
    [InlineData("/tasks/x/rerun", HttpStatusCode.NotFound)]
    public async Task Rerun_of_an_unknown_task_is_a_404_and_changes_nothing(string path, HttpStatusCode expected)
    {
        await EnqueueAsync("A");
        using var admin = Admin();
        await RejectedAsync(() => admin.PostAsync(path, null), expected);
    }

    [Fact]
    public async Task Rerun_is_logged_with_both_ids()
    {
        var dead = await EnqueueAsync("A", new { failAttempts = 1 }, maxAttempts: 1);
        using var admin = Admin();
        await ProcessAsync(admin);
        var rerun = await JsonAsync(await admin.PostAsync($"/tasks/{dead}/rerun", null), HttpStatusCode.Created);
        var copy = rerun.GetProperty("taskId").GetInt64();
        Assert.Contains(Fixture.Api.Logs, log => log.EventId == 6090
            && log.Message == $"Enqueued task {copy} as a rerun of dead task {dead} in batch A");
    }

    private static async Task ProcessAsync(HttpClient client)
    {
        var round = await JsonAsync(await client.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);
        Assert.Equal("processed", round.GetProperty("outcome").GetString());
    }
}
