namespace PgQueue.Lambda;

/// <summary>What one invocation did; the handler returns it as JSON (camelCase names, enum values as camelCase text).</summary>
/// <param name="Outcome">How the invocation went.</param>
/// <param name="WorkerId">The worker id the invocation claimed as.</param>
/// <param name="Invocation">The invocation's number in this execution environment, from 1.</param>
/// <param name="Claims">How many batches it leased.</param>
/// <param name="Batches">The leased batches, in order.</param>
/// <param name="TasksCompleted">Tasks whose handler succeeded and whose completion committed.</param>
/// <param name="TasksFailed">Tasks whose handler failed and that will be retried.</param>
/// <param name="TasksDead">Tasks whose handler failed for the last time and that moved to the dead tasks.</param>
/// <param name="StopReason">Why it stopped: the last claim's or drain's reason.</param>
/// <param name="DurationMs">How long the invocation took, in milliseconds.</param>
/// <param name="Error">What was wrong with the input, for <see cref="InvocationOutcome.Rejected"/>; otherwise null.</param>
public sealed record InvocationResult(
    InvocationOutcome Outcome,
    string? WorkerId,
    long Invocation,
    int Claims,
    IReadOnlyList<string> Batches,
    int TasksCompleted,
    int TasksFailed,
    int TasksDead,
    WorkerStopReason? StopReason,
    double DurationMs,
    string? Error)
{
    /// <summary>
    /// How many tasks of due schedules the invocation's first claim enqueued (<c>enqueue_due_schedules</c>, in the
    /// claim's round trip); 0 in API mode, where the function sends no SQL.
    /// </summary>
    public int ScheduledTasksEnqueued { get; init; }
}
