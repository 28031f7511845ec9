namespace PgQueue;

/// <summary>Why a worker stopped draining a batch, or why a run did no work.</summary>
public enum WorkerStopReason
{
    /// <summary><c>claim_batch</c> found no runnable batch (runs only; a drain never reports it).</summary>
    NothingToClaim,

    /// <summary><c>dequeue_task</c> returned nothing: the batch is empty, or its head is delayed or locked.</summary>
    NoRunnableTask,

    /// <summary><see cref="PgQueueWorkerOptions.MaxTasksPerClaim"/> tasks were finished.</summary>
    MaxTasksReached,

    /// <summary>Another task would not fit in the time budget.</summary>
    TimeBudgetReached,

    /// <summary>The lease was lost (<c>PQ001</c>): it expired or was taken over.</summary>
    LeaseLost,

    /// <summary>The caller's cancellation token was cancelled; the running task was rolled back, not charged.</summary>
    Cancelled,
}
