using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PgQueue.Api.Auth;
using PgQueue.Api.Contracts;
using PgQueue.Api.Errors;

namespace PgQueue.Api.Endpoints;

/// <summary>
/// <c>POST /tasks</c>, <c>POST /tasks/bulk</c> (producers); <c>GET /tasks/{taskId}</c>, <c>GET /tasks</c>,
/// <c>POST /tasks/{taskId}/rerun</c> (admins).
/// </summary>
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
            .WithSummary("Read a task: pending, dead or completed (retained), else 404 with state 'unknown'")
            .WithDescription("Looks the id up in one snapshot among pending_tasks, failed_tasks and completed_tasks: 200 " +
                             "with state 'pending', 'dead' or 'completed' (completed tasks are kept only while the " +
                             "keep_completed setting retains them). An id in none of them answers 404 problem details " +
                             "with the extensions state = 'unknown' and taskId; an unknown route's 404 has no state.");
        app.MapGet("/tasks", ListPendingAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("List pending tasks, lowest id first");
        app.MapPost("/tasks/{taskId:long}/rerun", RerunAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Enqueue a copy of a dead or retained completed task at the end of its batch (pgqueue.rerun_task)")
            .WithDescription("201 with the new id and a Location header. The copy has the original's payload, type and " +
                             "max attempts, no dedup key. A dead original leaves the dead tasks; a completed one stays in " +
                             "history. PQ003 answers 404 (state 'unknown': never existed, or completed and not retained) " +
                             "or 409 (state 'pending': the task still exists and may yet run, so a copy is refused).");
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
        var lookup = await client.FindTaskAsync(taskId, cancellationToken);
        return TaskDetails.From(lookup) is { } details
            ? TypedResults.Ok(details)
            : ApiProblems.Task(StatusCodes.Status404NotFound, "Task unknown",
                $"No pending, dead or retained completed task has id {taskId}: it never existed, or it completed and " +
                "the keep_completed setting does not retain it (any more).", taskId, TaskState.Unknown);
    }

    private static async Task<Results<Created<RerunTask>, ProblemHttpResult>> RerunAsync(
        long taskId, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        // The original's batch is the copy's; reading it first also answers the common refusals without a write.
        var original = await client.FindTaskAsync(taskId, cancellationToken);
        if (TaskDetails.From(original) is not { State: not TaskDetails.Pending } details)
        {
            return RerunRefused(taskId, original.State, null);
        }

        long newTaskId;
        try
        {
            newTaskId = await client.RerunTaskAsync(taskId, cancellationToken);
        }
        catch (NotHeadTaskException refused)
        {
            // It changed since it was read (trimmed, or rerun by someone else): say where it is now.
            var now = await client.FindTaskAsync(taskId, cancellationToken);
            return RerunRefused(taskId, now.State, refused.Message);
        }

        Log.TaskRerun(loggers.CreateLogger(typeof(TaskEndpoints)), newTaskId, taskId, details.State, details.BatchId);
        return TypedResults.Created($"/tasks/{newTaskId}", new RerunTask(newTaskId, details.BatchId, taskId));
    }

    // PQ003: 404 when there is nothing to copy; 409 when the task exists but its state forbids a copy now.
    private static ProblemHttpResult RerunRefused(long taskId, TaskState state, string? databaseMessage) => state switch
    {
        TaskState.Unknown => ApiProblems.Task(StatusCodes.Status404NotFound, "Task unknown",
            databaseMessage ?? $"Task {taskId} is not among the completed or dead tasks: it never existed, or it completed " +
            "and the keep_completed setting does not retain it (any more).", taskId, state, PgQueueErrorCodes.NotHeadTask),
        TaskState.Pending => ApiProblems.Task(StatusCodes.Status409Conflict, "Conflict",
            databaseMessage ?? $"Task {taskId} is still pending: only a dead task or a retained completed one can be rerun.",
            taskId, state, PgQueueErrorCodes.NotHeadTask),
        _ => ApiProblems.Task(StatusCodes.Status409Conflict, "Conflict",
            $"Task {taskId} changed while it was being rerun ({databaseMessage}); it is {TaskDetails.Name(state)} now, try again.",
            taskId, state, PgQueueErrorCodes.NotHeadTask),
    };

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
