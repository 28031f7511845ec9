namespace PgQueue.Api.Contracts;

/// <summary>The answer of <c>POST /tasks/bulk</c>.</summary>
/// <param name="BatchId">The batch.</param>
/// <param name="TaskIds">The new task ids, in the order of the payloads.</param>
internal sealed record EnqueuedTasks(string BatchId, IReadOnlyList<long> TaskIds);
