namespace PgQueue.Api.Contracts;

/// <summary>The answer of <c>POST /tasks</c>.</summary>
/// <param name="TaskId">The new task's id, or the pending task's that already had the dedup key.</param>
/// <param name="BatchId">The batch.</param>
/// <param name="Duplicate">True when the dedup key was already pending: nothing was inserted (status 200, not 201).</param>
internal sealed record EnqueuedTask(long TaskId, string BatchId, bool Duplicate);
