using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests.Support;

/// <summary>Base of the API tests: an empty queue before each test, clients per role, and assertions on answers.</summary>
[Collection(ApiCollection.Name)]
public abstract class ApiTest(ApiFixture fixture) : IAsyncLifetime
{
    protected ApiFixture Fixture { get; } = fixture;

    protected string ConnectionString => Fixture.Database.ConnectionString;

    public virtual async Task InitializeAsync()
    {
        await Fixture.Database.ResetAsync();
        // The shared reset predates task history: turn retention off again after a test that turned it on.
        await Sql.ExecuteAsync(ConnectionString, "UPDATE pgqueue.settings SET keep_completed = NULL");
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected HttpClient Anonymous() => Fixture.Api.CreateClient();

    protected HttpClient Producer() => WithKey(ApiFixture.ProducerKey);

    protected HttpClient Worker() => WithKey(ApiFixture.WorkerKey);

    protected HttpClient Admin() => WithKey(ApiFixture.AdminKey);

    protected HttpClient WithKey(string key, ApiFactory? api = null)
    {
        var client = (api ?? Fixture.Api).CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    protected Task<QueueCounts> CountsAsync() => Sql.CountsAsync(ConnectionString);

    /// <summary>
    /// Schedules, batch priorities and retained completed tasks as one JSON text: what the counts of
    /// <see cref="CountsAsync"/> do not show.
    /// </summary>
    protected Task<string> SchedulesPrioritiesAndHistoryAsync() => Sql.ScalarAsync<string>(ConnectionString,
        "SELECT json_build_object(" +
        "'schedules', (SELECT coalesce(json_agg(s ORDER BY s.schedule_name), '[]') FROM pgqueue.schedules AS s), " +
        "'priorities', (SELECT coalesce(json_agg(json_build_array(b.batch_id, b.priority) ORDER BY b.batch_id), '[]') FROM pgqueue.batches AS b), " +
        "'history', (SELECT coalesce(json_agg(h ORDER BY h.id), '[]') FROM pgqueue.completed_tasks_history AS h))::text");

    /// <summary>Turns task history on: completed tasks are retained for a day.</summary>
    protected Task KeepCompletedTasksAsync() =>
        Sql.ExecuteAsync(ConnectionString, "UPDATE pgqueue.settings SET keep_completed = interval '1 day'");

    /// <summary>
    /// Enqueues through the API as a producer and returns the task id. The task type defaults to <c>demo.sleep</c>,
    /// whose empty payload completes at once.
    /// </summary>
    protected async Task<long> EnqueueAsync(string batchId, object? payload = null, string? taskType = "demo.sleep", int? maxAttempts = null, string? dedupKey = null)
    {
        using var client = Producer();
        var response = await client.PostAsJsonAsync("/tasks", new { batchId, payload = payload ?? new { }, taskType, maxAttempts, dedupKey });
        var body = await JsonAsync(response, HttpStatusCode.Created);
        return body.GetProperty("taskId").GetInt64();
    }

    protected static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Asserts the status and returns the JSON body.</summary>
    protected static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 problem with this status (and SQLSTATE, if given) and returns it.</summary>
    protected static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected, string? sqlState = null)
    {
        var problem = await JsonAsync(response, expected);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        if (sqlState is not null)
        {
            Assert.Equal(sqlState, problem.GetProperty("sqlState").GetString());
            Assert.Equal($"urn:pgqueue:error:{sqlState}", problem.GetProperty("type").GetString());
        }

        return problem;
    }

    /// <summary>Sends a request that must be rejected, and proves it changed nothing in the queue.</summary>
    protected async Task<JsonElement> RejectedAsync(Func<Task<HttpResponseMessage>> send, HttpStatusCode expected, string? sqlState = null)
    {
        var before = await CountsAsync();
        var beforeRest = await SchedulesPrioritiesAndHistoryAsync();
        using var response = await send();
        var problem = await ProblemAsync(response, expected, sqlState);
        Assert.Equal(before, await CountsAsync());
        Assert.Equal(beforeRest, await SchedulesPrioritiesAndHistoryAsync());
        return problem;
    }
}
