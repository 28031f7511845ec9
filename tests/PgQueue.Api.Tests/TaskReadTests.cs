using System.Net;
using System.Net.Http.Json;
using PgQueue.Api.Tests.Support;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class TaskReadTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Get_task_shows_a_pending_task()
    {
        var taskId = await EnqueueAsync("A", new { n = 1 }, taskType: "demo.sleep");
        using var admin = Admin();

        var task = await JsonAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.OK);

        Assert.Equal(taskId, task.GetProperty("taskId").GetInt64());
        Assert.Equal("A", task.GetProperty("batchId").GetString());
        Assert.Equal("pending", task.GetProperty("status").GetString());
        Assert.Equal("""{"n":1}""", task.GetProperty("payload").GetRawText());
    }

    [Fact]
    public async Task Get_task_shows_a_dead_task_with_its_last_error()
    {
        var taskId = await EnqueueAsync("A", new { failAttempts = 1 }, taskType: "demo.sleep", maxAttempts: 1);
        using var admin = Admin();
        await JsonAsync(await admin.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);

        var task = await JsonAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.OK);

        Assert.Equal("dead", task.GetProperty("status").GetString());
        Assert.Equal(1, task.GetProperty("attempts").GetInt32());
        Assert.Contains("demo.sleep fails try 1", task.GetProperty("lastError").GetString());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, task.GetProperty("lastFailedAt").ValueKind);
    }

    [Fact]
    public async Task Get_task_answers_404_for_a_completed_task()
    {
        var taskId = await EnqueueAsync("A");
        using var admin = Admin();
        await JsonAsync(await admin.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);

        var problem = await ProblemAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.NotFound);
        Assert.Contains($"{taskId}", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/tasks/424242")]
    [InlineData("/tasks/-1")]
    [InlineData("/tasks/not-a-number")]
    public async Task Get_task_answers_404_problem_details_for_an_unknown_task(string path)
    {
        using var admin = Admin();
        await RejectedAsync(() => admin.GetAsync(path), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Get_tasks_lists_pending_tasks_in_id_order_filtered_by_batch_and_limited()
    {
        var a1 = await EnqueueAsync("A");
        await EnqueueAsync("B");
        var a2 = await EnqueueAsync("A");
        var a3 = await EnqueueAsync("A");
        using var admin = Admin();

        var all = await JsonAsync(await admin.GetAsync("/tasks"), HttpStatusCode.OK);
        Assert.Equal(4, all.GetProperty("tasks").GetArrayLength());

        var batchA = await JsonAsync(await admin.GetAsync("/tasks?batchId=A&limit=2"), HttpStatusCode.OK);
        Assert.Equal([a1, a2], batchA.GetProperty("tasks").EnumerateArray().Select(task => task.GetProperty("taskId").GetInt64()));
        Assert.DoesNotContain(a3, batchA.GetProperty("tasks").EnumerateArray().Select(task => task.GetProperty("taskId").GetInt64()));

        var unknown = await JsonAsync(await admin.GetAsync("/tasks?batchId=nobody"), HttpStatusCode.OK);
        Assert.Equal(0, unknown.GetProperty("tasks").GetArrayLength());
    }

    [Theory]
    [InlineData("/tasks?limit=0")]
    [InlineData("/tasks?limit=1001")]
    [InlineData("/tasks?limit=-5")]
    [InlineData("/tasks?limit=ten")]
    public async Task Get_tasks_rejects_a_limit_out_of_range_with_400(string path)
    {
        await EnqueueAsync("A");
        using var admin = Admin();
        await RejectedAsync(() => admin.GetAsync(path), HttpStatusCode.BadRequest);
    }
}
