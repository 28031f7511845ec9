using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PgQueue.Api.Auth;
using PgQueue.Api.Contracts;
using PgQueue.Api.Errors;

namespace PgQueue.Api.Endpoints;

/// <summary><c>POST /tasks</c>, <c>POST /tasks/bulk</c> (producers); <c>GET /tasks/{taskId}</c>, <c>GET /tasks</c> (admins).</summary>
internal static class TaskEndpoints
{
    private const string Tag = "Tasks";

    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tasks", EnqueueAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Producer)
            .WithSummary("Enqueue a task")
            .WithDescription("Appends a task to its batch (pgqueue.enqueue): 201 with the new id. With a dedupKey already " +
                             "pending in the batch, nothing is inserted: 200 with the existing id and duplicate = true.");
        app.MapPost("/tasks/bulk", EnqueueManyAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Producer)
            .WithSummary("Enqueue many tasks into one batch")
            .WithDescription("Appends the payloads in order, in one statement (pgqueue.enqueue_many).");
        app.MapGet("/tasks/{taskId:long}", GetTaskAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Read a pending or dead task")
            .WithDescription("404 when the task is neither pending nor dead: completed tasks are deleted.");
        app.MapGet("/tasks", ListPendingAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("List pending tasks, lowest id first");
        return app;
    }

    private static async Task<Results<Created<EnqueuedTask>, Ok<EnqueuedTask>, ProblemHttpResult>> EnqueueAsync(
        [FromBody] EnqueueTaskRequest request, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (request.MaxAttempts is < 1)
        {
            return ApiProblems.BadRequest($"maxAttempts must be at least 1, got {request.MaxAttempts}.");
        }

        var options = new EnqueueOptions
        {
            TaskType = request.TaskType,
            DedupKey = request.DedupKey,
            RunAfter = request.RunAfter,
            MaxAttempts = request.MaxAttempts,
        };
        var outcome = await client.EnqueueReportingDuplicateAsync(request.BatchId, request.Payload.GetRawText(), options, cancellationToken);
        var body = new EnqueuedTask(outcome.TaskId, request.BatchId, outcome.Duplicate);
        Log.TaskEnqueued(loggers.CreateLogger(typeof(TaskEndpoints)), outcome.TaskId, request.BatchId, outcome.Duplicate);
        return outcome.Duplicate ? TypedResults.Ok(body) : TypedResults.Created($"/tasks/{outcome.TaskId}", body);
    }

    private static async Task<Results<Created<EnqueuedTasks>, ProblemHttpResult>> EnqueueManyAsync(
        [FromBody] EnqueueTasksRequest request, PgQueueClient client, IOptions<PgQueueApiOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var max = options.Value.MaxBulkTasks;
        if (request.Payloads.Count is 0 || request.Payloads.Count > max)
        {
            return ApiProblems.BadRequest($"payloads must hold 1 to {max} tasks, got {request.Payloads.Count}.");
        }

        var taskIds = await client.EnqueueManyAsync(request.BatchId, request.Payloads.Select(payload => payload.GetRawText()), request.TaskType, cancellationToken);
        Log.TasksEnqueued(loggers.CreateLogger(typeof(TaskEndpoints)), taskIds.Count, request.BatchId);
        return TypedResults.Created($"/tasks?batchId={Uri.EscapeDataString(request.BatchId)}", new EnqueuedTasks(request.BatchId, taskIds));
    }

    private static async Task<Results<Ok<TaskDetails>, ProblemHttpResult>> GetTaskAsync(
        long taskId, PgQueueClient client, CancellationToken cancellationToken)
    {
        if (await client.GetPendingTaskAsync(taskId, cancellationToken) is { } pending)
        {
            return TypedResults.Ok(TaskDetails.From(pending));
        }

        if (await client.GetFailedTaskAsync(taskId, cancellationToken) is { } dead)
        {
            return TypedResults.Ok(TaskDetails.From(dead));
        }

        return ApiProblems.NotFound($"No pending or dead task has id {taskId}: it completed (completed tasks are deleted) or never existed.");
    }

    private static async Task<Results<Ok<PendingTaskList>, ProblemHttpResult>> ListPendingAsync(
        string? batchId, int? limit, PgQueueClient client, IOptions<PgQueueApiOptions> options, CancellationToken cancellationToken)
    {
        if (ListLimit.Check(limit, options.Value) is { } problem)
        {
            return problem;
        }

        var tasks = await client.GetPendingTasksAsync(batchId, limit ?? ListLimit.Default, cancellationToken);
        return TypedResults.Ok(new PendingTaskList(tasks));
    }
}
