using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PgQueue.Api.Auth;
using PgQueue.Api.Contracts;
using PgQueue.Api.Errors;

namespace PgQueue.Api.Endpoints;

/// <summary>
/// <c>GET /batches</c> (every role); <c>POST /batches/{batchId}/pause</c> and <c>/resume</c>, <c>PUT /batches/{batchId}/priority</c> (admins).
/// </summary>
internal static class BatchEndpoints
{
    private const string Tag = "Batches";

    public static IEndpointRouteBuilder MapBatchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/batches", ListAsync)
            .WithTags(Tag)
            .RequireAuthorization()
            .WithSummary("List batches with their status (pgqueue.batch_status), a page at a time")
            .WithDescription("state says why a batch is not moving: runnable, paused, leased, head delayed or empty.");
        app.MapPost("/batches/{batchId}/pause", PauseAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Pause a batch: it is not claimed until resumed (an unknown batch is created paused)");
        app.MapPost("/batches/{batchId}/resume", ResumeAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Resume a paused batch");
        app.MapPut("/batches/{batchId}/priority", SetPriorityAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Set a batch's priority (pgqueue.set_batch_priority): 204; an unknown batch is created with it")
            .WithDescription("Claims take strictly higher priorities first (every batch starts at 0; lower levels can " +
                             "starve), then the longest-due head; order inside a batch stays FIFO. Body {\"priority\": n}, " +
                             "any 32-bit integer; a missing or null priority answers 400.");
        return app;
    }

    private static async Task<Results<Ok<BatchList>, ProblemHttpResult>> ListAsync(
        string? after, int? limit, PgQueueClient client, IOptions<PgQueueApiOptions> options, CancellationToken cancellationToken)
    {
        if (ListLimit.Check(limit, options.Value) is { } problem)
        {
            return problem;
        }

        var pageSize = limit ?? ListLimit.Default;
        var batches = await client.GetBatchStatusesAsync(after, pageSize, cancellationToken);
        return TypedResults.Ok(new BatchList(batches, batches.Count == pageSize ? batches[^1].BatchId : null));
    }

    private static async Task<Ok<BatchStatus>> PauseAsync(string batchId, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await client.PauseBatchAsync(batchId, cancellationToken);
        Log.BatchPaused(loggers.CreateLogger(typeof(BatchEndpoints)), batchId);
        // pause_batch creates an unknown batch paused, so the batch has a row now.
        var status = await client.GetBatchStatusAsync(batchId, cancellationToken)
            ?? throw new InvalidOperationException($"Batch {batchId} has no batch_status row after pause_batch.");
        return TypedResults.Ok(status);
    }

    private static async Task<Results<Ok<BatchStatus>, ProblemHttpResult>> ResumeAsync(
        string batchId, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await client.ResumeBatchAsync(batchId, cancellationToken);
        if (await client.GetBatchStatusAsync(batchId, cancellationToken) is not { } status)
        {
            return ApiProblems.NotFound($"No batch has id {batchId}.");
        }

        Log.BatchResumed(loggers.CreateLogger(typeof(BatchEndpoints)), batchId);
        return TypedResults.Ok(status);
    }

    private static async Task<NoContent> SetPriorityAsync(
        string batchId, [FromBody] SetBatchPriorityRequest request, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await client.SetBatchPriorityAsync(batchId, request.Priority, cancellationToken);
        Log.BatchPrioritySet(loggers.CreateLogger(typeof(BatchEndpoints)), batchId, request.Priority);
        return TypedResults.NoContent();
    }
}
