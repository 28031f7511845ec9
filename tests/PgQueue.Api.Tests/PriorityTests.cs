using System.Net;
using System.Net.Http.Json;
using PgQueue.Api.Tests.Support;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class PriorityTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task A_higher_priority_batch_is_processed_first_though_another_head_waited_longer()
    {
        var older = await EnqueueAsync("A");
        var urgent = await EnqueueAsync("B");
        using var admin = Admin();

        using (var set = await admin.PutAsJsonAsync("/batches/B/priority", new { priority = 5 }))
        {
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
            Assert.Empty(await set.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(5, await PriorityAsync("B"));
        using var worker = Worker();
        var first = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);
        Assert.Equal(urgent, first.GetProperty("tasks")[0].GetProperty("taskId").GetInt64());
        var second = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);
        Assert.Equal(older, second.GetProperty("tasks")[0].GetProperty("taskId").GetInt64());
    }

    [Fact]
    public async Task Setting_a_priority_creates_an_unknown_batch_and_accepts_negative_values()
    {
        using var admin = Admin();
        using (var set = await admin.PutAsJsonAsync("/batches/later/priority", new { priority = -3 }))
        {
            Assert.Equal(HttpStatusCode.NoContent, set.StatusCode);
        }

        Assert.Equal(-3, await PriorityAsync("later"));
        using (var reset = await admin.PutAsync("/batches/later/priority", Json("""{"priority":0}""")))
        {
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        }

        Assert.Equal(0, await PriorityAsync("later"));
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"priority":null}""")]
    [InlineData("""{"priority":"high"}""")]
    [InlineData("""{"priority":1.5}""")]
    [InlineData("""{"priority":3000000000}""")]
    [InlineData("""{"priority":1,"batchId":"A"}""")]
    [InlineData("""5""")]
    [InlineData("")]
    public async Task A_missing_null_or_non_integer_priority_is_a_400_and_changes_nothing(string body)
    {
        await EnqueueAsync("A");
        using var admin = Admin();
        var problem = await RejectedAsync(() => admin.PutAsync("/batches/A/priority", Json(body)), HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.Equal(0, await PriorityAsync("A"));
    }

    [Theory]
    [InlineData("/batches/has%20space/priority")]
    [InlineData("/batches/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/priority")]
    public async Task An_invalid_batch_id_is_a_400_PQ002(string path)
    {
        using var admin = Admin();
        await RejectedAsync(() => admin.PutAsJsonAsync(path, new { priority = 1 }), HttpStatusCode.BadRequest, "PQ002");
    }

    private Task<int> PriorityAsync(string batchId) =>
        Sql.ScalarAsync<int>(ConnectionString, "SELECT priority FROM pgqueue.batches WHERE batch_id = $1", batchId);
}
