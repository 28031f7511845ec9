using System.Net;
using PgQueue.Api.Tests.Support;
using PgQueue.Migrations;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class HealthAndDocumentTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Healthz_is_healthy_when_the_database_answers_and_has_every_migration()
    {
        using var client = Anonymous();
        var health = await JsonAsync(await client.GetAsync("/healthz"), HttpStatusCode.OK);
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("reachable", health.GetProperty("database").GetString());
        Assert.Equal("current", health.GetProperty("migrations").GetString());
    }

    [Fact]
    public async Task Healthz_answers_503_with_the_pending_migrations_of_an_unmigrated_database()
    {
        var empty = await Fixture.Database.CreateDatabaseAsync("pgqueue_api_unmigrated");
        await using var api = new ApiFactory(Fixture.Settings(new Dictionary<string, string?> { ["PgQueue:ConnectionString"] = empty }));
        using var client = api.CreateClient();

        var health = await JsonAsync(await client.GetAsync("/healthz"), HttpStatusCode.ServiceUnavailable);

        Assert.Equal("unhealthy", health.GetProperty("status").GetString());
        Assert.Equal("reachable", health.GetProperty("database").GetString());
        Assert.Equal("pending", health.GetProperty("migrations").GetString());
        Assert.Contains("migrations/0001_create_queue.sql", health.GetProperty("pendingMigrations").EnumerateArray().Select(m => m.GetString()));
        Assert.Empty(await PgQueueMigrationStatus.GetPendingMigrationsAsync(ConnectionString));
    }

    [Fact]
    public async Task Healthz_answers_503_when_the_database_is_unreachable_and_says_no_more()
    {
        var unreachable = "Host=127.0.0.1;Port=1;Username=nobody;Password=secret-password;Database=none;Timeout=2";
        await using var api = new ApiFactory(Fixture.Settings(new Dictionary<string, string?> { ["PgQueue:ConnectionString"] = unreachable }));
        using var client = api.CreateClient();

        using var response = await client.GetAsync("/healthz");
        var health = await JsonAsync(response, HttpStatusCode.ServiceUnavailable);

        Assert.Equal("unreachable", health.GetProperty("database").GetString());
        Assert.DoesNotContain("secret-password", health.GetRawText());
    }

    [Fact]
    public void Startup_fails_clearly_without_a_connection_string()
    {
        var settings = Fixture.Settings();
        settings["PgQueue:ConnectionString"] = "";
        settings["PGQUEUE_CONNECTION"] = "";
        using var api = new ApiFactory(settings);
        var error = Assert.Throws<InvalidOperationException>(() => api.CreateClient());
        Assert.Contains("PgQueue:ConnectionString", error.Message);
    }

    [Theory]
    [InlineData("PgQueue:Api:ProcessTaskMaxTasks", "0")]
    [InlineData("PgQueue:Api:ProcessTaskTimeBudget", "-00:00:01")]
    [InlineData("PgQueue:Api:MaxRequestBodyBytes", "10")]
    public void Startup_refuses_invalid_api_options_and_names_them(string key, string value)
    {
        using var api = new ApiFactory(Fixture.Settings(new Dictionary<string, string?> { [key] = value }));
        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());
        Assert.Contains(key.Split(':')[^1], error.Message);
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_every_endpoint_and_the_api_key_scheme()
    {
        using var client = WithKey(ApiFixture.ProducerKey);
        var document = await JsonAsync(await client.GetAsync("/openapi/v1.json"), HttpStatusCode.OK);

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/process-task", "/tasks", "/tasks/bulk", "/tasks/{taskId}", "/batches",
                     "/batches/{batchId}/pause", "/batches/{batchId}/resume", "/dead-tasks", "/dead-tasks/retry", "/healthz",
                     "/schedules", "/schedules/{scheduleName}", "/schedules/enqueue-due", "/cron/next",
                     "/batches/{batchId}/priority", "/tasks/{taskId}/rerun" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the document lacks {path}");
        }

        foreach (var (path, method) in new[] { ("/schedules/{scheduleName}", "put"), ("/schedules/{scheduleName}", "get"),
                     ("/schedules/{scheduleName}", "delete"), ("/schedules", "get"), ("/schedules/enqueue-due", "post"),
                     ("/cron/next", "get"), ("/batches/{batchId}/priority", "put"), ("/tasks/{taskId}/rerun", "post") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
            Assert.True(operation.TryGetProperty("security", out _), $"{method} {path} declares no key");
        }

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        Assert.True(paths.GetProperty("/tasks").GetProperty("post").TryGetProperty("security", out _));
        Assert.False(paths.GetProperty("/healthz").GetProperty("get").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task An_unknown_route_answers_404_problem_details()
    {
        using var client = Admin();
        await ProblemAsync(await client.GetAsync("/no-such-thing"), HttpStatusCode.NotFound);
    }
}
