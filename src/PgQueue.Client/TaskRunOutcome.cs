namespace PgQueue;

/// <summary>How one task run of a worker ended.</summary>
public enum TaskRunOutcome
{
    /// <summary>The handler succeeded and the completion committed: the task is gone.</summary>
    Completed,

    /// <summary>The handler failed; <c>fail_task</c> kept the task as its batch's head for a later retry.</summary>
    Retry,

    /// <summary>The handler failed for the last time; the task moved to the dead tasks.</summary>
    Dead,

    /// <summary>
    /// The task was no longer its batch's head at completion (<c>PQ003</c>, a redriven task came first): rolled back,
    /// nothing charged, it runs again later.
    /// </summary>
    NotHeadTask,

    /// <summary>The lease was lost while the task ran: rolled back; the batch's next owner runs it again.</summary>
    LeaseLost,

    /// <summary>The worker was cancelled while the task ran: rolled back without charging an attempt.</summary>
    Cancelled,
}
