using System.Net;
using System.Net.Http.Json;
using System.Text;
using PgQueue.Api.Tests.Support;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class EnqueueTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Post_tasks_answers_201_with_the_new_id_and_its_location()
    {
        using var client = Producer();
        using var response = await client.PostAsJsonAsync("/tasks", new { batchId = "customer-42", payload = new { invoice = 1 } });

        var body = await JsonAsync(response, HttpStatusCode.Created);
        var taskId = body.GetProperty("taskId").GetInt64();
        Assert.Equal("customer-42", body.GetProperty("batchId").GetString());
        Assert.False(body.GetProperty("duplicate").GetBoolean());
        Assert.Equal($"/tasks/{taskId}", response.Headers.Location?.ToString());
        Assert.Equal(1L, await Sql.ScalarAsync<long>(ConnectionString, "SELECT count(*) FROM pgqueue.pending_tasks WHERE task_id = $1", taskId));
    }

    [Fact]
    public async Task Post_tasks_stores_payload_type_run_after_and_max_attempts_as_given()
    {
        var runAfter = DateTimeOffset.UtcNow.AddHours(1);
        using var client = Producer();
        using var response = await client.PostAsJsonAsync("/tasks", new
        {
            batchId = "A",
            payload = new { n = 7, tags = new[] { "x" } },
            taskType = "invoice.send",
            dedupKey = "invoice-7",
            runAfter,
            maxAttempts = 3,
        });
        var taskId = (await JsonAsync(response, HttpStatusCode.Created)).GetProperty("taskId").GetInt64();

        using var admin = Admin();
        var task = await JsonAsync(await admin.GetAsync($"/tasks/{taskId}"), HttpStatusCode.OK);
        Assert.Equal("pending", task.GetProperty("status").GetString());
        Assert.Equal("""{"n":7,"tags":["x"]}""", task.GetProperty("payload").GetRawText());
        Assert.Equal("invoice.send", task.GetProperty("taskType").GetString());
        Assert.Equal("invoice-7", task.GetProperty("dedupKey").GetString());
        Assert.Equal(3, task.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(0, task.GetProperty("attempts").GetInt32());
        Assert.Equal(runAfter.ToUnixTimeMilliseconds(), task.GetProperty("runAfter").GetDateTimeOffset().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Post_tasks_with_a_pending_dedup_key_answers_200_with_the_existing_id_and_says_duplicate()
    {
        using var client = Producer();
        var first = await JsonAsync(
            await client.PostAsJsonAsync("/tasks", new { batchId = "A", payload = new { n = 1 }, dedupKey = "order-9" }), HttpStatusCode.Created);
        var before = await CountsAsync();

        using var again = await client.PostAsJsonAsync("/tasks", new { batchId = "A", payload = new { n = 2 }, dedupKey = "order-9" });

        var second = await JsonAsync(again, HttpStatusCode.OK);
        Assert.Equal(first.GetProperty("taskId").GetInt64(), second.GetProperty("taskId").GetInt64());
        Assert.True(second.GetProperty("duplicate").GetBoolean());
        Assert.Equal(before, await CountsAsync());
    }

    [Fact]
    public async Task A_dedup_key_is_per_batch_and_only_while_its_task_is_pending()
    {
        using var client = Producer();
        var first = await JsonAsync(
            await client.PostAsJsonAsync("/tasks", new { batchId = "A", payload = new { }, taskType = "demo.sleep", dedupKey = "k" }), HttpStatusCode.Created);
        var otherBatch = await JsonAsync(
            await client.PostAsJsonAsync("/tasks", new { batchId = "B", payload = new { }, dedupKey = "k" }), HttpStatusCode.Created);
        Assert.False(otherBatch.GetProperty("duplicate").GetBoolean());

        using var worker = Worker();
        await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w", batchId = "A" }), HttpStatusCode.OK);

        var afterCompletion = await JsonAsync(
            await client.PostAsJsonAsync("/tasks", new { batchId = "A", payload = new { }, taskType = "demo.sleep", dedupKey = "k" }), HttpStatusCode.Created);
        Assert.False(afterCompletion.GetProperty("duplicate").GetBoolean());
        Assert.NotEqual(first.GetProperty("taskId").GetInt64(), afterCompletion.GetProperty("taskId").GetInt64());
    }

    [Fact]
    public async Task Concurrent_posts_of_one_dedup_key_create_one_task_and_all_but_one_say_duplicate()
    {
        using var client = Producer();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(n =>
            client.PostAsJsonAsync("/tasks", new { batchId = "A", payload = new { n }, dedupKey = "same" })));

        var bodies = new List<System.Text.Json.JsonElement>();
        foreach (var response in responses)
        {
            var expected = response.StatusCode == HttpStatusCode.Created ? HttpStatusCode.Created : HttpStatusCode.OK;
            bodies.Add(await JsonAsync(response, expected));
        }

        Assert.Single(bodies.Select(body => body.GetProperty("taskId").GetInt64()).Distinct());
        Assert.Single(bodies, body => !body.GetProperty("duplicate").GetBoolean());
        Assert.Single(responses, response => response.StatusCode == HttpStatusCode.Created);
        Assert.Equal(1L, (await CountsAsync()).Tasks);
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "not JSON", "{\"batchId\":\"A\",\"payload\":" },
        { "a JSON array", "[]" },
        { "no batchId", """{"payload":{}}""" },
        { "a null batchId", """{"batchId":null,"payload":{}}""" },
        { "a numeric batchId", """{"batchId":7,"payload":{}}""" },
        { "no payload", """{"batchId":"A"}""" },
        { "a misspelt field", """{"batchId":"A","payload":{},"taskTyp":"x"}""" },
        { "a fractional maxAttempts", """{"batchId":"A","payload":{},"maxAttempts":1.5}""" },
        { "a maxAttempts over int", """{"batchId":"A","payload":{},"maxAttempts":99999999999}""" },
        { "a runAfter that is no date", """{"batchId":"A","payload":{},"runAfter":"tomorrow"}""" },
        { "maxAttempts 0", """{"batchId":"A","payload":{},"maxAttempts":0}""" },
        { "an empty body", "" },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task Post_tasks_rejects_a_malformed_body_with_400_before_the_database(string why, string body)
    {
        using var client = Producer();
        var problem = await RejectedAsync(() => client.PostAsync("/tasks", Json(body)), HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), why);
    }

    [Fact]
    public async Task Post_tasks_rejects_a_body_that_is_not_JSON_with_415()
    {
        using var client = Producer();
        await RejectedAsync(() => client.PostAsync("/tasks", new StringContent("""{"batchId":"A","payload":{}}""", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("""{"batchId":"has space","payload":{}}""", "PQ002")]
    [InlineData("""{"batchId":"","payload":{}}""", "PQ002")]
    [InlineData("""{"batchId":"A","payload":{},"dedupKey":""}""", "PQ004")]
    [InlineData("""{"batchId":"A","payload":{},"taskType":""}""", "PQ004")]
    public async Task Post_tasks_answers_400_with_the_contract_error_when_the_database_rejects_an_argument(string body, string sqlState)
    {
        using var client = Producer();
        var problem = await RejectedAsync(() => client.PostAsync("/tasks", Json(body)), HttpStatusCode.BadRequest, sqlState);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Post_tasks_answers_400_PQ004_for_a_payload_over_the_database_limit_that_fits_the_body_limit()
    {
        var payload = new string('x', (1024 * 1024) + 100);
        using var client = Producer();
        var problem = await RejectedAsync(
            () => client.PostAsJsonAsync("/tasks", new { batchId = "A", payload = new { data = payload } }), HttpStatusCode.BadRequest, "PQ004");
        Assert.Contains("over the limit", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Post_tasks_answers_413_to_a_body_over_the_limit_before_reading_it()
    {
        var body = $$$"""{"batchId":"A","payload":{"data":"{{{new string('x', 1200 * 1024)}}}"}}""";
        using var client = Producer();
        var problem = await RejectedAsync(() => client.PostAsync("/tasks", Json(body)), HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("1114112", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Post_tasks_answers_413_to_a_chunked_body_over_the_limit()
    {
        var bytes = Encoding.UTF8.GetBytes($$$"""{"batchId":"A","payload":{"data":"{{{new string('x', 1200 * 1024)}}}"}}""");
        using var content = new StreamContent(new MemoryStream(bytes));
        content.Headers.ContentType = new("application/json");
        using var client = Producer();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await RejectedAsync(() => client.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Post_tasks_accepts_a_chunked_body_under_the_limit()
    {
        using var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("""{"batchId":"A","payload":{"n":1}}""")));
        content.Headers.ContentType = new("application/json");
        using var client = Producer();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/tasks") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await JsonAsync(await client.SendAsync(request), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Post_tasks_bulk_enqueues_every_payload_in_order_into_one_batch()
    {
        using var client = Producer();
        using var response = await client.PostAsJsonAsync("/tasks/bulk", new
        {
            batchId = "A",
            taskType = "demo.sleep",
            payloads = new object[] { new { n = 1 }, new { n = 2 }, new { n = 3 } },
        });

        var body = await JsonAsync(response, HttpStatusCode.Created);
        var ids = body.GetProperty("taskIds").EnumerateArray().Select(id => id.GetInt64()).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Equal(ids.Order(), ids);
        using var admin = Admin();
        var listed = await JsonAsync(await admin.GetAsync("/tasks?batchId=A"), HttpStatusCode.OK);
        Assert.Equal(
            ["""{"n":1}""", """{"n":2}""", """{"n":3}"""],
            listed.GetProperty("tasks").EnumerateArray().Select(task => task.GetProperty("payload").GetRawText()));
        Assert.All(listed.GetProperty("tasks").EnumerateArray(), task => Assert.Equal("demo.sleep", task.GetProperty("taskType").GetString()));
    }

    public static TheoryData<string, string> MalformedBulkBodies => new()
    {
        { "no payloads", """{"batchId":"A"}""" },
        { "payloads null", """{"batchId":"A","payloads":null}""" },
        { "payloads not an array", """{"batchId":"A","payloads":{}}""" },
        { "no payload at all", """{"batchId":"A","payloads":[]}""" },
        { "more payloads than allowed", $$"""{"batchId":"A","payloads":[{{string.Join(",", Enumerable.Repeat("{}", 1001))}}]}""" },
        { "no batchId", """{"payloads":[{}]}""" },
        { "not JSON", """{"batchId":"A","payloads":[{}""" },
    };

    [Theory]
    [MemberData(nameof(MalformedBulkBodies))]
    public async Task Post_tasks_bulk_rejects_a_malformed_body_with_400_before_the_database(string why, string body)
    {
        using var client = Producer();
        var problem = await RejectedAsync(() => client.PostAsync("/tasks/bulk", Json(body)), HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()), why);
    }

    [Fact]
    public async Task Post_tasks_bulk_answers_400_PQ002_for_an_invalid_batch_id()
    {
        using var client = Producer();
        await RejectedAsync(() => client.PostAsync("/tasks/bulk", Json("""{"batchId":"A/B","payloads":[{}]}""")), HttpStatusCode.BadRequest, "PQ002");
    }
}
