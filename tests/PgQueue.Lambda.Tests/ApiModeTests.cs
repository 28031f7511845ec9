using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PgQueue.Api;
using PgQueue.Api.Handlers;
using PgQueue.Lambda.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Lambda.Tests;

/// <summary>API mode: the function POSTs /process-task to the real API, hosted in process over the test database.</summary>
[Collection(LambdaDatabaseCollection.Name)]
public sealed class ApiModeTests(LambdaDatabaseFixture database) : IAsyncLifetime
{
    private const string WorkerKey = "worker-key-0123456789";
    private const string ApiUrl = "http://localhost";

    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_invocation_processes_the_batch_through_the_api_in_order()
    {
        var recorder = new TaskRecorder();
        await using var api = CreateApi(recorder);
        var counting = new CountingHandler(api.Server.CreateHandler());
        await using var lambda = ApiLambda.Create(counting, (LambdaSettings.ApiKeyVariable, WorkerKey));
        var ids = new List<long>();
        await using (var client = PgQueueClient.Create(database.ConnectionString))
        {
            for (var i = 0; i < 4; i++)
            {
                ids.Add(await client.EnqueueAsync("api-A", new { n = i }, new EnqueueOptions { TaskType = TaskRecorder.TaskType }));
            }
        }

        var result = await lambda.InvokeAsync();

        Assert.True(result.Outcome == InvocationOutcome.Worked, $"{result}: {lambda.Text()}");
        Assert.Equal(4, result.TasksCompleted);
        Assert.Equal(0, result.TasksFailed);
        Assert.Equal(0, result.TasksDead);
        Assert.Equal(["api-A"], result.Batches);
        Assert.Equal(1, result.Claims);
        Assert.Equal(WorkerStopReason.NoRunnableTask, result.StopReason);
        Assert.Equal(lambda.Function.WorkerId, result.WorkerId);
        Assert.Equal(ids, recorder.TaskIds);
        Assert.Equal(1, counting.Requests);
        var status = await Queue.StatusAsync(database.ConnectionString, "api-A");
        Assert.Equal(0, status!.Pending);
        Assert.Null(status.Owner);

        var summary = Assert.Single(lambda.LogLines(LambdaEventId.InvocationFinished));
        Assert.Equal("worked", summary.GetProperty("outcome").GetString());
        Assert.Equal(1, Assert.Single(lambda.MetricLines()).GetProperty("InvocationWorked").GetInt32());

        // Nothing left: the next invocation is empty.
        var empty = await lambda.InvokeAsync();
        Assert.Equal(InvocationOutcome.Empty, empty.Outcome);
        Assert.Equal(WorkerStopReason.NothingToClaim, empty.StopReason);
        Assert.Equal(0, empty.Claims);
        Assert.DoesNotContain(WorkerKey, lambda.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_key_is_not_retried_and_fails_clearly()
    {
        await using var api = CreateApi(new TaskRecorder());
        var counting = new CountingHandler(api.Server.CreateHandler());
        await using var lambda = ApiLambda.Create(counting, (LambdaSettings.ApiKeyVariable, "not-a-key-0123456789"));

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Failed, result.Outcome);
        Assert.Equal(1, counting.Requests);
        Assert.Contains("401", result.Error, StringComparison.Ordinal);
        Assert.Contains("/process-task", result.Error, StringComparison.Ordinal);
        var failed = Assert.Single(lambda.LogLines(LambdaEventId.ApiRequestFailed));
        Assert.Equal("Error", failed.GetProperty("level").GetString());
        Assert.Empty(lambda.LogLines(LambdaEventId.ApiRequestRetried));
        Assert.DoesNotContain("not-a-key-0123456789", lambda.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_until_the_api_answers()
    {
        var handler = new ScriptedHandler(
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            _ => Ok("""{"outcome":"processed","batchId":"B","stopReason":"maxTasksReached","tasksCompleted":1,"tasksFailed":0,"tasksDead":0,"tasks":[]}"""));
        await using var lambda = ApiLambda.Create(handler, (LambdaSettings.ApiKeyVariable, WorkerKey), (LambdaSettings.PreferredBatchVariable, "B"));

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Busy, result.Outcome);
        Assert.Equal(1, result.TasksCompleted);
        Assert.Equal(["B"], result.Batches);
        Assert.Equal(3, handler.Requests.Count);
        Assert.All(handler.Requests, request =>
        {
            Assert.Equal("http://localhost/process-task", request.Url);
            Assert.Equal(WorkerKey, request.Key);
            using var body = JsonDocument.Parse(request.Body);
            Assert.Equal(lambda.Function.WorkerId, body.RootElement.GetProperty("workerId").GetString());
            Assert.Equal("B", body.RootElement.GetProperty("batchId").GetString());
        });
        Assert.Equal(2, lambda.LogLines(LambdaEventId.ApiRequestRetried).Count);
        Assert.Equal("busy", Assert.Single(lambda.LogLines(LambdaEventId.InvocationFinished)).GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task A_request_that_times_out_is_retried_and_null_batch_is_sent_without_a_preference()
    {
        var handler = new ScriptedHandler(
            _ => null,
            _ => Ok("""{"outcome":"nothing to do","batchId":null,"stopReason":"nothingToClaim","tasksCompleted":0,"tasksFailed":0,"tasksDead":0,"tasks":[]}"""));
        await using var lambda = ApiLambda.Create(handler, (LambdaSettings.ApiKeyVariable, WorkerKey), (LambdaSettings.ApiTimeoutVariable, "300ms"));

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Empty, result.Outcome);
        Assert.Equal(2, handler.Requests.Count);
        using var body = JsonDocument.Parse(handler.Requests[0].Body);
        Assert.Equal(JsonValueKind.Null, body.RootElement.GetProperty("batchId").ValueKind);
        Assert.Contains("timed out", Assert.Single(lambda.LogLines(LambdaEventId.ApiRequestRetried)).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retries_stop_at_the_time_budget_with_a_failed_result()
    {
        var handler = new ScriptedHandler(Enumerable.Repeat<Func<HttpRequestMessage, HttpResponseMessage?>>(
            _ => new HttpResponseMessage(HttpStatusCode.BadGateway), 20).ToArray());
        await using var lambda = ApiLambda.Create(handler, (LambdaSettings.ApiKeyVariable, WorkerKey), (LambdaSettings.TimeBudgetVariable, "700ms"));

        var result = await lambda.InvokeAsync();

        Assert.Equal(InvocationOutcome.Failed, result.Outcome);
        Assert.InRange(handler.Requests.Count, 2, 5);
        Assert.Contains("time budget", result.Error, StringComparison.Ordinal);
        Assert.InRange(result.DurationMs, 600, 5_000);
    }

    private static HttpResponseMessage Ok(string json) =>
        new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private WebApplicationFactory<Program> CreateApi(TaskRecorder recorder) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("PgQueue:ConnectionString", database.ConnectionString);
            builder.UseSetting($"PgQueue:ApiKeys:{WorkerKey}", "worker");
            builder.UseSetting("PgQueue:Api:ProcessTaskMaxTasks", "100");
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton(recorder);
                services.AddTaskHandlerModule<RecorderModule>();
            });
        });

    /// <summary>Remembers the tasks the API ran, in order.</summary>
    public sealed class TaskRecorder
    {
        public const string TaskType = "test.api-record";

        private readonly ConcurrentQueue<long> _taskIds = new();

        public IReadOnlyList<long> TaskIds => [.. _taskIds];

        public void Add(long taskId) => _taskIds.Enqueue(taskId);
    }

    public sealed class RecorderModule(TaskRecorder recorder) : ITaskHandlerModule
    {
        public void Register(TaskHandlerRegistry registry) =>
            registry.Register<JsonElement>(TaskRecorder.TaskType, (task, _) =>
            {
                recorder.Add(task.TaskId);
                return Task.CompletedTask;
            });
    }

    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Answers each request with the next script step; a step returning null hangs until cancelled.</summary>
    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage?>[] steps) : HttpMessageHandler
    {
        public List<(string Url, string? Key, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var key = request.Headers.TryGetValues("X-Api-Key", out var values) ? values.Single() : null;
            int index;
            lock (Requests)
            {
                Requests.Add((request.RequestUri!.AbsoluteUri, key, body));
                index = Requests.Count - 1;
            }

            var response = steps[Math.Min(index, steps.Length - 1)](request);
            if (response is null)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return response!;
        }
    }

    /// <summary>A function in API mode over the given handler, with its JSON lines captured.</summary>
    private sealed class ApiLambda : IAsyncDisposable
    {
        private static readonly JsonSerializerOptions ResultJson = new(JsonSerializerDefaults.Web)
        {
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        };

        private readonly MemoryStream _output = new();
        private readonly HttpClient _http;

        private ApiLambda(HttpMessageHandler handler, (string Name, string? Value)[] overrides)
        {
            var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                [LambdaSettings.ApiUrlVariable] = ApiUrl,
                [LambdaSettings.FunctionNameVariable] = LambdaHarness.FunctionName,
                [LambdaSettings.LogStreamVariable] = "2025/06/01/[$LATEST]0123456789abcdef",
            };
            foreach (var (name, value) in overrides)
            {
                variables[name] = value;
            }

            _http = new HttpClient(handler);
            Function = new Function(DemoTasks.CreateRegistry(), name => variables.GetValueOrDefault(name), _output, _http);
        }

        public Function Function { get; }

        public static ApiLambda Create(HttpMessageHandler handler, params (string Name, string? Value)[] overrides) => new(handler, overrides);

        public async Task<InvocationResult> InvokeAsync()
        {
            await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(LambdaHarness.ScheduledEvent));
            await using var response = await Function.HandleAsync(stream);
            return (await JsonSerializer.DeserializeAsync<InvocationResult>(response, ResultJson))!;
        }

        public string Text() => Encoding.UTF8.GetString(_output.ToArray());

        public IReadOnlyList<JsonElement> Lines() =>
            [.. Text().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

        public IReadOnlyList<JsonElement> LogLines(int eventId) =>
            [.. Lines().Where(line => line.TryGetProperty("eventId", out var id) && id.GetInt32() == eventId)];

        public IReadOnlyList<JsonElement> MetricLines() => [.. Lines().Where(line => line.TryGetProperty("_aws", out _))];

        public async ValueTask DisposeAsync()
        {
            await Function.DisposeAsync();
            _http.Dispose();
            await _output.DisposeAsync();
        }
    }
}
