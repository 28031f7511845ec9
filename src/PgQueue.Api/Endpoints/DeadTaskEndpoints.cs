using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PgQueue.Api.Auth;
using PgQueue.Api.Contracts;
using PgQueue.Api.Errors;

namespace PgQueue.Api.Endpoints;

/// <summary><c>GET /dead-tasks</c> and <c>POST /dead-tasks/retry</c> (admins).</summary>
internal static class DeadTaskEndpoints
{
    private const string Tag = "Dead tasks";

    public static IEndpointRouteBuilder MapDeadTaskEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dead-tasks", ListAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("List dead tasks (pgqueue.failed_tasks), earliest death first")
            .WithDescription("failedAfter is inclusive and failedBefore exclusive, as in POST /dead-tasks/retry: the list " +
                             "shows what a redrive with the same times would move.");
        app.MapPost("/dead-tasks/retry", RetryAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Redrive dead tasks to their original place in their batches (pgqueue.retry_dead_tasks)")
            .WithDescription("Moves the dead tasks matching every filter given; {} moves every dead task.");
        return app;
    }

    private static async Task<Results<Ok<DeadTaskList>, ProblemHttpResult>> ListAsync(
        string? batchId, DateTimeOffset? failedAfter, DateTimeOffset? failedBefore, int? limit,
        PgQueueClient client, IOptions<PgQueueApiOptions> options, CancellationToken cancellationToken)
    {
        if (ListLimit.Check(limit, options.Value) is { } problem)
        {
            return problem;
        }

        if (failedAfter > failedBefore)
        {
            return ApiProblems.BadRequest($"failedAfter ({failedAfter:O}) is later than failedBefore ({failedBefore:O}).");
        }

        var tasks = await client.GetFailedTasksAsync(batchId, failedAfter, failedBefore, limit ?? ListLimit.Default, cancellationToken);
        return TypedResults.Ok(new DeadTaskList(tasks));
    }

    private static async Task<Ok<RetryDeadTasksResult>> RetryAsync(
        [FromBody] RetryDeadTasksRequest request, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var moved = await client.RetryDeadTasksAsync(request.TaskIds, request.FailedAfter, request.FailedBefore, cancellationToken);
        Log.DeadTasksRetried(loggers.CreateLogger(typeof(DeadTaskEndpoints)), moved, request.TaskIds?.Count, request.FailedAfter, request.FailedBefore);
        return TypedResults.Ok(new RetryDeadTasksResult(moved));
    }
}
