namespace PgQueue;

/// <summary>What <see cref="PgQueueWorker.DrainAsync"/> did with one leased batch.</summary>
/// <param name="BatchId">The drained batch.</param>
/// <param name="TasksCompleted">Tasks whose handler succeeded and whose completion committed.</param>
/// <param name="TasksFailed">Tasks whose handler failed and that <c>fail_task</c> kept for a retry.</param>
/// <param name="TasksDead">Tasks whose handler failed for the last time and that moved to the dead tasks.</param>
/// <param name="StopReason">Why draining stopped.</param>
public sealed record DrainResult(string BatchId, int TasksCompleted, int TasksFailed, int TasksDead, WorkerStopReason StopReason)
{
    /// <summary>The tasks the drain ran, in the order it ran them, with how each ended.</summary>
    public IReadOnlyList<FinishedTask> Tasks { get; init; } = [];
}
