using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace PgQueue.Lambda;

/// <summary>
/// API mode: one invocation is one <c>POST {url}/process-task</c>, retried on 5xx, 408, 429, network errors and
/// per-request timeouts with exponential backoff and jitter, within the invocation's time budget.
/// </summary>
internal sealed class ApiProcessor
{
    /// <summary>The header the API reads the key from (PgQueue.Api's ApiKeyAuthenticationHandler.HeaderName).</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>The first retry's delay before jitter; each next one doubles, up to <see cref="MaxRetryDelay"/>.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    public const int MaxRetries = 6;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    // One client for every function instance of the process: connections are pooled and reused by warm invocations.
    // The per-request timeout is the pipeline's, so the client's own is off.
    private static readonly Lazy<HttpClient> SharedClient = new(() => new HttpClient(
        new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }, disposeHandler: true)
    {
        Timeout = Timeout.InfiniteTimeSpan,
    });

    private readonly HttpClient _http;
    private readonly Uri _processTaskUrl;
    private readonly string _apiKey;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public ApiProcessor(LambdaSettings settings, HttpClient? http, ILogger logger)
    {
        _http = http ?? SharedClient.Value;
        _processTaskUrl = new Uri(settings.ApiUrl!.AbsoluteUri.TrimEnd('/') + "/process-task");
        _apiKey = settings.ApiKey!;
        _logger = logger;
        var timeout = settings.ApiTimeout < settings.TimeBudget ? settings.ApiTimeout : settings.TimeBudget;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(response => IsTransient(response.StatusCode)),
                MaxRetryAttempts = MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstRetryDelay,
                MaxDelay = MaxRetryDelay,
                OnRetry = args =>
                {
                    var reason = args.Outcome.Exception is { } exception
                        ? exception is TimeoutRejectedException ? $"timed out after {timeout.TotalMilliseconds} ms" : exception.Message
                        : $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                    args.Outcome.Result?.Dispose();
                    var invocation = args.Context.Properties.GetValue(InvocationKey, 0L);
                    Log.ApiRequestRetried(_logger, invocation, _processTaskUrl.AbsoluteUri, args.AttemptNumber + 1, reason,
                        Math.Round(args.RetryDelay.TotalMilliseconds, 1));
                    return default;
                },
            })
            .AddTimeout(timeout)
            .Build();
    }

    private static ResiliencePropertyKey<long> InvocationKey { get; } = new("pgqueue.invocation");

    private static ResiliencePropertyKey<int> AttemptsKey { get; } = new("pgqueue.attempts");

    /// <summary>POSTs one round and reads its reply, or says why it could not.</summary>
    /// <param name="invocation">The invocation's number, for the log lines.</param>
    /// <param name="workerId">The worker id to process as.</param>
    /// <param name="batchId">The preferred batch, or null.</param>
    /// <param name="budget">How long all attempts and delays may take together.</param>
    /// <param name="cancellationToken">Stops the request.</param>
    public async Task<ApiRound> ProcessAsync(long invocation, string workerId, string? batchId, TimeSpan budget, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(budget > TimeSpan.Zero ? budget : TimeSpan.FromTicks(1));
        var context = ResilienceContextPool.Shared.Get(deadline.Token);
        context.Properties.Set(InvocationKey, invocation);
        context.Properties.Set(AttemptsKey, 0);
        var body = new ProcessTaskRequestBody(workerId, batchId);
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                async (ctx, state) =>
                {
                    ctx.Properties.Set(AttemptsKey, ctx.Properties.GetValue(AttemptsKey, 0) + 1);
                    using var request = new HttpRequestMessage(HttpMethod.Post, state._processTaskUrl)
                    {
                        Content = JsonContent.Create(body, options: Json),
                    };
                    request.Headers.Add(ApiKeyHeader, state._apiKey);
                    return await state._http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                this).ConfigureAwait(false);
            var attempts = context.Properties.GetValue(AttemptsKey, 0);
            if (response.IsSuccessStatusCode)
            {
                var reply = await response.Content.ReadFromJsonAsync<ProcessTaskReply>(Json, deadline.Token).ConfigureAwait(false);
                return reply is null
                    ? ApiRound.Failure(attempts, $"The API answered {(int)response.StatusCode} with an empty body")
                    : new ApiRound(reply, attempts, null);
            }

            var problem = await ReadProblemAsync(response, deadline.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Conflict && problem.Result is { } leaseLost)
            {
                // PQ001: the lease was lost during the round; the round's result rides in the problem.
                return new ApiRound(leaseLost, attempts, null);
            }

            var what = IsTransient(response.StatusCode) ? $"still failing after {attempts} attempts: " : string.Empty;
            return ApiRound.Failure(attempts,
                $"POST {_processTaskUrl.AbsoluteUri} {what}the API answered {(int)response.StatusCode} {problem.Title ?? response.ReasonPhrase}" +
                (problem.Detail is null ? string.Empty : $": {problem.Detail}"));
        }
        catch (Exception exception) when (exception is HttpRequestException or TimeoutRejectedException or JsonException
            || (exception is OperationCanceledException && deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            var attempts = context.Properties.GetValue(AttemptsKey, 0);
            var why = exception switch
            {
                OperationCanceledException => $"the time budget ({budget.TotalMilliseconds:0} ms) ran out",
                TimeoutRejectedException => "the request timed out",
                JsonException json => $"the reply is not a process-task result: {json.Message}",
                _ => exception.Message,
            };
            return ApiRound.Failure(attempts, $"POST {_processTaskUrl.AbsoluteUri} failed after {attempts} attempt(s): {why}");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static async Task<(string? Title, string? Detail, ProcessTaskReply? Result)> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(Json, cancellationToken).ConfigureAwait(false);
            return (problem?.Title, problem?.Detail, problem?.Result);
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException)
        {
            return (null, null, null);
        }
    }

    private sealed record ProcessTaskRequestBody(string WorkerId, string? BatchId);

    private sealed record ProblemBody(string? Title, string? Detail, ProcessTaskReply? Result);
}

/// <summary>The reply of <c>POST /process-task</c> (PgQueue.Api's ProcessTaskResult), as far as the Lambda reads it.</summary>
internal sealed record ProcessTaskReply(
    string Outcome,
    string? BatchId,
    WorkerStopReason StopReason,
    int TasksCompleted,
    int TasksFailed,
    int TasksDead);

/// <summary>What one API-mode invocation got: a reply, or the error that explains why not.</summary>
internal sealed record ApiRound(ProcessTaskReply? Reply, int Attempts, string? Error)
{
    public static ApiRound Failure(int attempts, string error) => new(null, attempts, error);
}
