using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PgQueue.Api.Tests.Support;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class DeadTaskTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Get_dead_tasks_lists_dead_tasks_filtered_by_batch_and_time()
    {
        var deadA = await KillAsync("A");
        var deadB = await KillAsync("B");
        using var admin = Admin();

        var all = await JsonAsync(await admin.GetAsync("/dead-tasks"), HttpStatusCode.OK);
        Assert.Equal([deadA, deadB], Ids(all));
        Assert.Contains("demo.sleep fails", all.GetProperty("deadTasks")[0].GetProperty("lastError").GetString());

        Assert.Equal([deadB], Ids(await JsonAsync(await admin.GetAsync("/dead-tasks?batchId=B"), HttpStatusCode.OK)));
        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        Assert.Empty(Ids(await JsonAsync(await admin.GetAsync($"/dead-tasks?failedAfter={future}"), HttpStatusCode.OK)));
        Assert.Equal([deadA, deadB], Ids(await JsonAsync(await admin.GetAsync($"/dead-tasks?failedBefore={future}"), HttpStatusCode.OK)));
        Assert.Equal([deadA], Ids(await JsonAsync(await admin.GetAsync("/dead-tasks?limit=1"), HttpStatusCode.OK)));
    }

    [Theory]
    [InlineData("/dead-tasks?failedAfter=2030-01-01T00:00:00Z&failedBefore=2020-01-01T00:00:00Z")]
    [InlineData("/dead-tasks?failedAfter=yesterday")]
    [InlineData("/dead-tasks?limit=0")]
    public async Task Get_dead_tasks_rejects_bad_filters_with_400(string path)
    {
        await KillAsync("A");
        using var admin = Admin();
        await RejectedAsync(() => admin.GetAsync(path), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Retry_by_task_ids_moves_those_dead_tasks_back_to_their_place()
    {
        var deadA = await KillAsync("A");
        var deadB = await KillAsync("B");
        using var admin = Admin();

        var result = await JsonAsync(await admin.PostAsJsonAsync("/dead-tasks/retry", new { taskIds = new[] { deadA } }), HttpStatusCode.OK);

        Assert.Equal(1, result.GetProperty("moved").GetInt32());
        var task = await JsonAsync(await admin.GetAsync($"/tasks/{deadA}"), HttpStatusCode.OK);
        Assert.Equal("pending", task.GetProperty("status").GetString());
        Assert.Equal(0, task.GetProperty("attempts").GetInt32());
        Assert.Equal([deadB], Ids(await JsonAsync(await admin.GetAsync("/dead-tasks"), HttpStatusCode.OK)));
    }

    [Fact]
    public async Task Retry_with_an_empty_body_object_moves_every_dead_task()
    {
        await KillAsync("A");
        await KillAsync("B");
        using var admin = Admin();

        var result = await JsonAsync(await admin.PostAsync("/dead-tasks/retry", Json("{}")), HttpStatusCode.OK);

        Assert.Equal(2, result.GetProperty("moved").GetInt32());
        Assert.Equal(0L, (await CountsAsync()).DeadTasks);
    }

    [Fact]
    public async Task Retry_with_a_time_window_moves_only_tasks_that_died_in_it()
    {
        await KillAsync("A");
        using var admin = Admin();
        var future = DateTimeOffset.UtcNow.AddHours(1);

        var none = await JsonAsync(await admin.PostAsJsonAsync("/dead-tasks/retry", new { failedAfter = future }), HttpStatusCode.OK);
        Assert.Equal(0, none.GetProperty("moved").GetInt32());
        var all = await JsonAsync(await admin.PostAsJsonAsync("/dead-tasks/retry", new { failedBefore = future }), HttpStatusCode.OK);
        Assert.Equal(1, all.GetProperty("moved").GetInt32());
    }

    [Fact]
    public async Task Retry_answers_400_PQ004_when_failed_after_is_later_than_failed_before()
    {
        await KillAsync("A");
        using var admin = Admin();
        await RejectedAsync(() => admin.PostAsync("/dead-tasks/retry",
            Json("""{"failedAfter":"2030-01-01T00:00:00Z","failedBefore":"2020-01-01T00:00:00Z"}""")), HttpStatusCode.BadRequest, "PQ004");
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"taskIds\":")]
    [InlineData("""{"taskIds":["one"]}""")]
    [InlineData("""{"taskIds":1}""")]
    [InlineData("""{"failedAfter":"soon"}""")]
    [InlineData("""{"taskId":[1]}""")]
    public async Task Retry_rejects_a_malformed_body_with_400_before_the_database(string body)
    {
        await KillAsync("A");
        using var admin = Admin();
        await RejectedAsync(() => admin.PostAsync("/dead-tasks/retry", Json(body)), HttpStatusCode.BadRequest);
    }

    // A task that dies on its only try, through the API.
    private async Task<long> KillAsync(string batchId)
    {
        var taskId = await EnqueueAsync(batchId, new { failAttempts = 1 }, taskType: "demo.sleep", maxAttempts: 1);
        using var worker = Worker();
        var run = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w", batchId }), HttpStatusCode.OK);
        Assert.Equal("dead", run.GetProperty("tasks")[0].GetProperty("outcome").GetString());
        return taskId;
    }

    private static IEnumerable<long> Ids(JsonElement list) =>
        list.GetProperty("deadTasks").EnumerateArray().Select(task => task.GetProperty("taskId").GetInt64()).ToList();
}
