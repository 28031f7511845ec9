namespace PgQueue.Api.Contracts;

/// <summary>
/// The body of <c>POST /dead-tasks/retry</c>: the filters of <c>pgqueue.retry_dead_tasks</c>. A dead task moves when it
/// matches every filter given; <c>{}</c> moves every dead task.
/// </summary>
/// <param name="TaskIds">Only these dead tasks.</param>
/// <param name="FailedAfter">Only tasks that died at or after this moment.</param>
/// <param name="FailedBefore">Only tasks that died before this moment.</param>
internal sealed record RetryDeadTasksRequest(
    IReadOnlyList<long>? TaskIds = null,
    DateTimeOffset? FailedAfter = null,
    DateTimeOffset? FailedBefore = null);

/// <summary>The answer of <c>POST /dead-tasks/retry</c>.</summary>
/// <param name="Moved">How many dead tasks went back to their batches, at their original place.</param>
internal sealed record RetryDeadTasksResult(int Moved);
