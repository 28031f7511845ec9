namespace PgQueue;

/// <summary>Where a task id was found by <see cref="PgQueueClient.FindTaskAsync"/>.</summary>
public enum TaskState
{
    /// <summary>No pending, dead or retained completed task has this id (never enqueued, or completed and not retained).</summary>
    Unknown = 0,

    /// <summary>The task waits to run or is running now (<c>pgqueue.pending_tasks</c>).</summary>
    Pending,

    /// <summary>The task ran out of attempts (<c>pgqueue.failed_tasks</c>).</summary>
    Dead,

    /// <summary>The task completed and is retained in history (<c>pgqueue.completed_tasks</c>).</summary>
    Completed,
}

/// <summary>A task looked up by id in one snapshot: exactly the member matching <see cref="State"/> is set.</summary>
/// <param name="TaskId">The id looked up.</param>
/// <param name="State">Where the task was found.</param>
/// <param name="Pending">The pending task, when <see cref="State"/> is <see cref="TaskState.Pending"/>.</param>
/// <param name="Dead">The dead task, when <see cref="State"/> is <see cref="TaskState.Dead"/>.</param>
/// <param name="Completed">The retained completed task, when <see cref="State"/> is <see cref="TaskState.Completed"/>.</param>
public sealed record TaskLookup(
    long TaskId,
    TaskState State,
    PendingTask? Pending = null,
    FailedTask? Dead = null,
    CompletedTask? Completed = null);
