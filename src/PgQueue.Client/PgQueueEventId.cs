namespace PgQueue;

/// <summary>
/// The stable event ids of PgQueue's log messages, for filtering and alerts: 1000s claim and lease, 2000s task,
/// 3000s retry and transient errors. An id never changes meaning.
/// </summary>
public static class PgQueueEventId
{
    /// <summary>A worker claimed a batch.</summary>
    public const int BatchClaimed = 1001;

    /// <summary>A claim found no runnable batch.</summary>
    public const int NothingToClaim = 1002;

    /// <summary>A lease was renewed.</summary>
    public const int LeaseRenewed = 1003;

    /// <summary>A lease was lost (<c>PQ001</c>): it expired or was taken over.</summary>
    public const int LeaseLost = 1004;

    /// <summary>Renewing a lease failed for a reason other than losing it; the next heartbeat tries again.</summary>
    public const int LeaseRenewFailed = 1005;

    /// <summary>A lease was given back.</summary>
    public const int BatchReleased = 1006;

    /// <summary>Giving a lease back failed; the lease expires on its own.</summary>
    public const int BatchReleaseFailed = 1007;

    /// <summary>A worker stopped draining a batch, with the reason and the counts.</summary>
    public const int DrainStopped = 1008;

    /// <summary>A task started.</summary>
    public const int TaskStarted = 2001;

    /// <summary>A task completed and its transaction committed.</summary>
    public const int TaskCompleted = 2002;

    /// <summary>A task's handler failed; the task will be retried.</summary>
    public const int TaskFailedWillRetry = 2003;

    /// <summary>A task's handler failed for the last time; the task is dead.</summary>
    public const int TaskDead = 2004;

    /// <summary>A task was no longer the head at completion (<c>PQ003</c>, after a redrive); it was rolled back.</summary>
    public const int TaskNotHead = 2005;

    /// <summary>A task was rolled back because the lease was lost while it ran.</summary>
    public const int TaskLeaseLost = 2006;

    /// <summary>A task was rolled back because the worker was cancelled.</summary>
    public const int TaskCancelled = 2007;

    /// <summary>Rolling back a failed task's transaction failed; closing the connection rolls it back.</summary>
    public const int TaskRollbackFailed = 2008;

    /// <summary>A unit of work failed with a transient error and will be retried after a delay.</summary>
    public const int RetryingTransientError = 3001;

    /// <summary>A task's transaction hit a transient error and was rolled back without charging an attempt.</summary>
    public const int TaskTransientError = 3002;

    /// <summary>A worker's claim–drain–release round failed; the worker waits and tries again.</summary>
    public const int WorkerRoundFailed = 3003;
}
