namespace PgQueue.Api.Contracts;

/// <summary>The answer of <c>POST /process-task</c>: what one claim–process–release round did.</summary>
/// <param name="Outcome"><c>nothing to do</c> when no batch could be claimed, else <c>processed</c>.</param>
/// <param name="BatchId">The claimed batch, or null.</param>
/// <param name="StopReason">Why the round stopped (<c>nothingToClaim</c>, <c>noRunnableTask</c>, <c>maxTasksReached</c>, <c>timeBudgetReached</c>, <c>leaseLost</c>, <c>cancelled</c>).</param>
/// <param name="TasksCompleted">Tasks completed.</param>
/// <param name="TasksFailed">Tasks that failed and will be retried.</param>
/// <param name="TasksDead">Tasks that failed for the last time and are dead.</param>
/// <param name="Tasks">Every task run, in order, with its outcome.</param>
/// <param name="SchedulesEnqueued">Tasks of due schedules enqueued (<c>enqueue_due_schedules</c>) before the claim.</param>
internal sealed record ProcessTaskResult(
    string Outcome,
    string? BatchId,
    WorkerStopReason StopReason,
    int TasksCompleted,
    int TasksFailed,
    int TasksDead,
    IReadOnlyList<ProcessedTask> Tasks,
    int SchedulesEnqueued)
{
    public const string NothingToDo = "nothing to do";
    public const string Processed = "processed";

    public static ProcessTaskResult From(RunResult run, int schedulesEnqueued) => new(
        run.BatchId is null ? NothingToDo : Processed,
        run.BatchId, run.StopReason, run.TasksCompleted, run.TasksFailed, run.TasksDead,
        [.. run.Tasks.Select(t => new ProcessedTask(t.TaskId, t.Attempt, t.Outcome, t.ErrorMessage))], schedulesEnqueued);
}
