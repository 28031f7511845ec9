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

    public virtual Task InitializeAsync() => Fixture.Database.ResetAsync();

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
        using var response = await send();
        var problem = await ProblemAsync(response, expected, sqlState);
        Assert.Equal(before, await CountsAsync());
        return problem;
    }
}
