using System.Net;
using System.Net.Http.Json;
using PgQueue.Api.Tests.Support;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class BatchTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Get_batches_lists_batch_status_in_batch_id_order_a_page_at_a_time()
    {
        await EnqueueAsync("C");
        await EnqueueAsync("A");
        await EnqueueAsync("A");
        await EnqueueAsync("B");
        using var client = Worker();

        var first = await JsonAsync(await client.GetAsync("/batches?limit=2"), HttpStatusCode.OK);
        Assert.Equal(["A", "B"], first.GetProperty("batches").EnumerateArray().Select(b => b.GetProperty("batchId").GetString()));
        Assert.Equal(2, first.GetProperty("batches")[0].GetProperty("pending").GetInt64());
        Assert.Equal("runnable", first.GetProperty("batches")[0].GetProperty("state").GetString());
        Assert.Equal("B", first.GetProperty("nextAfter").GetString());

        var second = await JsonAsync(await client.GetAsync("/batches?limit=2&after=B"), HttpStatusCode.OK);
        Assert.Equal(["C"], second.GetProperty("batches").EnumerateArray().Select(b => b.GetProperty("batchId").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, second.GetProperty("nextAfter").ValueKind);
    }

    [Theory]
    [InlineData("/batches?limit=0")]
    [InlineData("/batches?limit=100000")]
    [InlineData("/batches?limit=x")]
    public async Task Get_batches_rejects_a_limit_out_of_range_with_400(string path)
    {
        using var client = Worker();
        await RejectedAsync(() => client.GetAsync(path), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_paused_batch_is_not_processed_until_resumed()
    {
        var taskId = await EnqueueAsync("A");
        using var admin = Admin();

        var paused = await JsonAsync(await admin.PostAsync("/batches/A/pause", null), HttpStatusCode.OK);
        Assert.True(paused.GetProperty("paused").GetBoolean());
        Assert.Equal("paused", paused.GetProperty("state").GetString());

        var idle = await JsonAsync(await admin.PostAsJsonAsync("/process-task", new { workerId = "w", batchId = "A" }), HttpStatusCode.OK);
        Assert.Equal("nothing to do", idle.GetProperty("outcome").GetString());

        var resumed = await JsonAsync(await admin.PostAsync("/batches/A/resume", null), HttpStatusCode.OK);
        Assert.False(resumed.GetProperty("paused").GetBoolean());
        var ran = await JsonAsync(await admin.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);
        Assert.Equal(taskId, ran.GetProperty("tasks")[0].GetProperty("taskId").GetInt64());
    }

    [Fact]
    public async Task Pausing_an_unknown_batch_creates_it_paused()
    {
        using var admin = Admin();
        var paused = await JsonAsync(await admin.PostAsync("/batches/later/pause", null), HttpStatusCode.OK);
        Assert.Equal("later", paused.GetProperty("batchId").GetString());
        Assert.True(paused.GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Resuming_an_unknown_batch_answers_404_and_creates_nothing()
    {
        using var admin = Admin();
        await RejectedAsync(() => admin.PostAsync("/batches/nobody/resume", null), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("/batches/has%20space/pause")]
    [InlineData("/batches/has%20space/resume")]
    [InlineData("/batches/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/pause")]
    public async Task Pause_and_resume_answer_400_PQ002_for_an_invalid_batch_id(string path)
    {
        await EnqueueAsync("A");
        using var admin = Admin();
        await RejectedAsync(() => admin.PostAsync(path, null), HttpStatusCode.BadRequest, "PQ002");
    }
}
