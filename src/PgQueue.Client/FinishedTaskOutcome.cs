namespace PgQueue;

/// <summary>What became of a task a worker ran (<see cref="FinishedTask.Outcome"/>).</summary>
public enum FinishedTaskOutcome
{
    /// <summary>The handler succeeded and the task's completion committed.</summary>
    Completed,

    /// <summary>The handler failed; <c>fail_task</c> kept the task, which runs again after its retry delay.</summary>
    Failed,

    /// <summary>The handler failed for the last time; the task moved to the dead tasks.</summary>
    Dead,

    /// <summary>
    /// The task's transaction rolled back without charging an attempt: the lease was lost, the worker was cancelled, or a
    /// redriven task came first. The task runs again.
    /// </summary>
    RolledBack,
}
