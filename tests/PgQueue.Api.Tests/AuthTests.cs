using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using PgQueue.Api.Tests.Support;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class AuthTests(ApiFixture fixture) : ApiTest(fixture)
{
    // Every endpoint but /healthz, with a body that would be valid for an admin.
    public static TheoryData<string, string, string?> ProtectedEndpoints => new()
    {
        { "POST", "/process-task", """{"workerId":"w"}""" },
        { "POST", "/tasks", """{"batchId":"A","payload":{}}""" },
        { "POST", "/tasks/bulk", """{"batchId":"A","payloads":[{}]}""" },
        { "GET", "/tasks/1", null },
        { "GET", "/tasks?batchId=A", null },
        { "GET", "/batches", null },
        { "POST", "/batches/A/pause", null },
        { "POST", "/batches/A/resume", null },
        { "GET", "/dead-tasks", null },
        { "POST", "/dead-tasks/retry", "{}" },
        { "GET", "/openapi/v1.json", null },
        { "PUT", "/schedules/s", """{"batchId":"A","every":"00:01:00"}""" },
        { "GET", "/schedules", null },
        { "GET", "/schedules/s", null },
        { "DELETE", "/schedules/s", null },
        { "POST", "/schedules/enqueue-due", null },
        { "GET", "/cron/next?cron=*%20*%20*%20*%20*", null },
        { "PUT", "/batches/A/priority", """{"priority":1}""" },
        { "POST", "/tasks/1/rerun", null },
    };

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task Every_endpoint_but_healthz_answers_401_without_a_key_and_changes_nothing(string method, string path, string? body)
    {
        using var client = Anonymous();
        var problem = await RejectedAsync(() => client.SendAsync(Request(method, path, body)), HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task Every_endpoint_but_healthz_answers_401_to_an_unknown_key(string method, string path, string? body)
    {
        using var client = WithKey("not-a-configured-key-0123456789");
        await RejectedAsync(() => client.SendAsync(Request(method, path, body)), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_401_names_the_header_in_WWW_Authenticate()
    {
        using var client = Anonymous();
        using var response = await client.GetAsync("/batches");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("ApiKey header=\"X-Api-Key\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Two_key_headers_are_refused_even_if_one_is_valid()
    {
        using var client = Anonymous();
        using var request = Request("GET", "/batches", null);
        request.Headers.Add("X-Api-Key", [ApiFixture.AdminKey, "other-key-0123456789"]);
        await RejectedAsync(() => client.SendAsync(request), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Keys_are_compared_exactly_not_ignoring_case()
    {
        using var client = WithKey(ApiFixture.AdminKey.ToUpperInvariant());
        await RejectedAsync(() => client.GetAsync("/batches"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Healthz_needs_no_key()
    {
        using var client = Anonymous();
        using var response = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/process-task", """{"workerId":"w"}""")]
    [InlineData("GET", "/tasks/1", null)]
    [InlineData("GET", "/tasks", null)]
    [InlineData("POST", "/batches/A/pause", null)]
    [InlineData("POST", "/batches/A/resume", null)]
    [InlineData("GET", "/dead-tasks", null)]
    [InlineData("POST", "/dead-tasks/retry", "{}")]
    [InlineData("PUT", "/schedules/s", """{"batchId":"A","every":"00:01:00"}""")]
    [InlineData("GET", "/schedules", null)]
    [InlineData("GET", "/schedules/s", null)]
    [InlineData("DELETE", "/schedules/s", null)]
    [InlineData("POST", "/schedules/enqueue-due", null)]
    [InlineData("GET", "/cron/next?cron=*%20*%20*%20*%20*", null)]
    [InlineData("PUT", "/batches/A/priority", """{"priority":1}""")]
    [InlineData("POST", "/tasks/1/rerun", null)]
    public async Task A_producer_key_may_not_process_or_administer(string method, string path, string? body)
    {
        await EnqueueAsync("A");
        using var client = Producer();
        await RejectedAsync(() => client.SendAsync(Request(method, path, body)), HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("POST", "/tasks", """{"batchId":"A","payload":{}}""")]
    [InlineData("POST", "/tasks/bulk", """{"batchId":"A","payloads":[{}]}""")]
    [InlineData("GET", "/tasks", null)]
    [InlineData("POST", "/batches/A/pause", null)]
    [InlineData("POST", "/dead-tasks/retry", "{}")]
    [InlineData("PUT", "/schedules/s", """{"batchId":"A","every":"00:01:00"}""")]
    [InlineData("DELETE", "/schedules/s", null)]
    [InlineData("PUT", "/batches/A/priority", """{"priority":1}""")]
    [InlineData("POST", "/tasks/1/rerun", null)]
    [InlineData("GET", "/tasks/1", null)]
    public async Task A_worker_key_may_not_enqueue_or_administer(string method, string path, string? body)
    {
        await Sql.ExecuteAsync(ConnectionString, "SELECT pgqueue.set_schedule('s', 'A', every => interval '1 hour')");
        using var client = Worker();
        await RejectedAsync(() => client.SendAsync(Request(method, path, body)), HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("GET", "/schedules", null, HttpStatusCode.OK)]
    [InlineData("GET", "/schedules/s", null, HttpStatusCode.OK)]
    [InlineData("POST", "/schedules/enqueue-due", null, HttpStatusCode.OK)]
    [InlineData("GET", "/cron/next?cron=*%20*%20*%20*%20*", null, HttpStatusCode.OK)]
    public async Task A_worker_key_reads_schedules_enqueues_due_ones_and_previews_cron_as_the_database_grants(
        string method, string path, string? body, HttpStatusCode expected)
    {
        await Sql.ExecuteAsync(ConnectionString, "SELECT pgqueue.set_schedule('s', 'A', every => interval '1 hour')");
        using var client = Worker();
        using var response = await client.SendAsync(Request(method, path, body));
        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData(ApiFixture.ProducerKey)]
    [InlineData(ApiFixture.WorkerKey)]
    [InlineData(ApiFixture.AdminKey)]
    public async Task Every_role_reads_batches_and_the_OpenAPI_document(string key)
    {
        using var client = WithKey(key);
        using var batches = await client.GetAsync("/batches");
        Assert.Equal(HttpStatusCode.OK, batches.StatusCode);
        using var openApi = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
    }

    [Fact]
    public async Task An_admin_key_holds_the_producer_and_worker_roles_too()
    {
        using var client = Admin();
        using var enqueued = await client.PostAsJsonAsync("/tasks", new { batchId = "A", payload = new { } });
        Assert.Equal(HttpStatusCode.Created, enqueued.StatusCode);
        using var processed = await client.PostAsJsonAsync("/process-task", new { workerId = "admin" });
        Assert.Equal(HttpStatusCode.OK, processed.StatusCode);
    }

    [Fact]
    public async Task With_no_keys_configured_every_protected_endpoint_answers_401_and_startup_warns()
    {
        await using var api = new ApiFactory(Fixture.Settings(withKeys: false));
        using var client = WithKey(ApiFixture.AdminKey, api);

        foreach (var row in ProtectedEndpoints)
        {
            var (method, path, body) = ((string)row[0], (string)row[1], (string?)row[2]);
            var problem = await RejectedAsync(() => client.SendAsync(Request(method, path, body)), HttpStatusCode.Unauthorized);
            Assert.Contains("No API keys are configured", problem.GetProperty("detail").GetString());
        }

        using var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains(api.Logs, log => log.Level == LogLevel.Warning && log.EventId == 6002
                                         && log.Message.Contains("No API keys are configured", StringComparison.Ordinal));
    }

    [Fact]
    public void Startup_logs_how_many_keys_each_role_has_and_never_the_keys()
    {
        using var client = Anonymous();
        var line = Assert.Single(Fixture.Api.Logs, log => log.EventId == 6001);
        Assert.Equal("API keys configured: 1 producer, 1 worker, 1 admin", line.Message);
        Assert.DoesNotContain(Fixture.Api.Logs, log => log.Message.Contains(ApiFixture.AdminKey, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("valid-length-key-0123456789", "superuser", "expected producer, worker or admin")]
    [InlineData("short", "admin", "use at least 16")]
    public async Task Startup_refuses_an_unknown_role_or_a_short_key_and_does_not_print_the_key(string key, string role, string expected)
    {
        await using var api = new ApiFactory(Fixture.Settings(new Dictionary<string, string?> { [$"PgQueue:ApiKeys:{key}"] = role }));
        var error = Assert.Throws<InvalidOperationException>(() => api.CreateClient());
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain(key, error.Message);
    }

    private static HttpRequestMessage Request(string method, string path, string? body) =>
        new(new HttpMethod(method), path) { Content = body is null ? null : Json(body) };
}
