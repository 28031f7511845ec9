namespace PgQueue;

/// <summary>What <c>pgqueue.fail_task</c> did with a failed task.</summary>
public enum FailTaskOutcome
{
    /// <summary>
    /// The task has tries left: it stays the head of its batch and runs again after its retry delay (<c>'retry'</c>).
    /// </summary>
    Retry,

    /// <summary>The task used up its attempts and moved to the dead tasks; the batch goes on (<c>'dead'</c>).</summary>
    Dead,
}
