using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PgQueue.Api.Auth;
using PgQueue.Api.Contracts;
using PgQueue.Api.Errors;

namespace PgQueue.Api.Endpoints;

/// <summary>
/// <c>POST /process-task</c> (workers): one <see cref="PgQueueWorker.RunOnceAsync"/> round with the registered
/// handlers — enqueue the tasks of due schedules, claim the preferred batch or another, run its head task (or drain
/// it within the configured budget), release. A caller that disconnects cancels the round: the running task rolls
/// back uncharged and the batch is released.
/// </summary>
internal static class ProcessTaskEndpoint
{
    public static IEndpointRouteBuilder MapProcessTaskEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost("/process-task", ProcessAsync)
            .WithTags("Workers")
            .RequireAuthorization(ApiRole.Worker)
            .WithSummary("Enqueue due schedules, claim a batch, process its head task (or drain it within the budget), release it")
            .WithDescription("First enqueues the tasks of due schedules (pgqueue.enqueue_due_schedules; " +
                             "schedulesEnqueued counts them), so API-mode workers keep schedules running. " +
                             "outcome is 'nothing to do' when no batch could be claimed. A lease lost during the round " +
                             "(PQ001) answers 409 with the round's result in the problem's extensions.");
        return app;
    }

    private static async Task<Results<Ok<ProcessTaskResult>, ProblemHttpResult>> ProcessAsync(
        [FromBody] ProcessTaskRequest request, PgQueueClient client, TaskHandlerRegistry handlers, IOptions<PgQueueApiOptions> options,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.WorkerId))
        {
            return ApiProblems.BadRequest("workerId must not be empty.");
        }

        var settings = options.Value;
        var worker = new PgQueueWorker(client, handlers, new PgQueueWorkerOptions
        {
            WorkerId = request.WorkerId,
            Lease = settings.ProcessTaskLease,
            MaxTasksPerClaim = settings.ProcessTaskMaxTasks,
            TimeBudget = settings.ProcessTaskTimeBudget,
            // Every worker round fires due schedules (DESIGN.md), in the claim's round trip: with nothing due it is
            // one index probe, and the claim can already take a schedule's task.
            EnqueueDueSchedules = true,
        });
        var run = await worker.RunOnceAsync(request.BatchId, cancellationToken: cancellationToken);
        var result = ProcessTaskResult.From(run, run.ScheduledTasksEnqueued);
        Log.ProcessedTasks(loggers.CreateLogger(typeof(ProcessTaskEndpoint)), request.WorkerId, run.BatchId, run.Tasks.Count, run.StopReason);
        if (run.StopReason != WorkerStopReason.LeaseLost)
        {
            return TypedResults.Ok(result);
        }

        return TypedResults.Problem(
            $"The lease on batch {run.BatchId} was lost during the round (PQ001): the running task was rolled back " +
            "and the batch's next owner runs it again.",
            statusCode: StatusCodes.Status409Conflict,
            title: "Lease lost",
            type: $"urn:pgqueue:error:{PgQueueErrorCodes.LeaseNotHeld}",
            extensions: new Dictionary<string, object?>
            {
                ["sqlState"] = PgQueueErrorCodes.LeaseNotHeld,
                ["result"] = result,
            });
    }
}
