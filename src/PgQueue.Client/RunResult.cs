namespace PgQueue;

/// <summary>What one <see cref="PgQueueWorker.RunOnceAsync"/> (claim, drain, release) did.</summary>
/// <param name="BatchId">The claimed batch, or <see langword="null"/> when nothing was claimed.</param>
/// <param name="TasksCompleted">Tasks whose handler succeeded and whose completion committed.</param>
/// <param name="TasksFailed">Tasks whose handler failed and that <c>fail_task</c> kept for a retry.</param>
/// <param name="TasksDead">Tasks whose handler failed for the last time and that moved to the dead tasks.</param>
/// <param name="StopReason">
/// Why the run stopped: <see cref="WorkerStopReason.NothingToClaim"/>, <see cref="WorkerStopReason.Cancelled"/>
/// before a claim, or the drain's reason.
/// </param>
public sealed record RunResult(string? BatchId, int TasksCompleted, int TasksFailed, int TasksDead, WorkerStopReason StopReason)
{
    /// <summary>The tasks the run ran, in the order it ran them, with how each ended; empty when nothing was claimed.</summary>
    public IReadOnlyList<FinishedTask> Tasks { get; init; } = [];

    /// <summary>
    /// How many tasks of due schedules the claim enqueued (with <see cref="PgQueueWorkerOptions.EnqueueDueSchedules"/>);
    /// otherwise 0.
    /// </summary>
    public int ScheduledTasksEnqueued { get; init; }

    internal static RunResult From(DrainResult drain) =>
        new(drain.BatchId, drain.TasksCompleted, drain.TasksFailed, drain.TasksDead, drain.StopReason) { Tasks = drain.Tasks };
}
