namespace PgQueue;

/// <summary>
/// A task a <see cref="PgQueueWorker"/> ran, once its outcome is recorded (after the commit, after <c>fail_task</c>, or
/// after the rollback): reported to <see cref="PgQueueWorkerOptions.TaskFinished"/> as it happens, and listed in
/// <see cref="DrainResult.Tasks"/> and <see cref="RunResult.Tasks"/>.
/// </summary>
/// <param name="WorkerId">The worker that ran the task.</param>
/// <param name="BatchId">The task's batch.</param>
/// <param name="LeaseToken">The lease under which the task ran.</param>
/// <param name="TaskId">The task id.</param>
/// <param name="TaskType">The task type, or <see langword="null"/>.</param>
/// <param name="Attempt">Which try this was: 1 on the first run.</param>
/// <param name="Outcome">What became of the task.</param>
/// <param name="Duration">
/// From the start of the task's transaction to its outcome: dequeue, handler, completion and commit, or rollback and
/// <c>fail_task</c>.
/// </param>
/// <param name="Error">The handler's exception when it failed, otherwise <see langword="null"/>.</param>
public sealed record FinishedTask(
    string WorkerId,
    string BatchId,
    long LeaseToken,
    long TaskId,
    string? TaskType,
    int Attempt,
    TaskRunOutcome Outcome,
    TimeSpan Duration,
    Exception? Error)
{
    /// <summary>The handler's error as recorded by <c>fail_task</c> ("type: message"), or <see langword="null"/>.</summary>
    public string? ErrorMessage => Error is null ? null : $"{Error.GetType().FullName}: {Error.Message}";
}
