namespace PgQueue.Api.Contracts;

/// <summary>The answer of <c>GET /tasks</c>: pending tasks, lowest id first.</summary>
/// <param name="Tasks">The tasks.</param>
internal sealed record PendingTaskList(IReadOnlyList<PendingTask> Tasks);

/// <summary>The answer of <c>GET /dead-tasks</c>: dead tasks, earliest death first.</summary>
/// <param name="DeadTasks">The dead tasks.</param>
internal sealed record DeadTaskList(IReadOnlyList<FailedTask> DeadTasks);

/// <summary>The answer of <c>GET /batches</c>: one page of <c>pgqueue.batch_status</c> in batch id order.</summary>
/// <param name="Batches">The batches.</param>
/// <param name="NextAfter">Pass as <c>after</c> for the next page; null on the last page.</param>
internal sealed record BatchList(IReadOnlyList<BatchStatus> Batches, string? NextAfter);
