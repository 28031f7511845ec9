namespace PgQueue;

/// <summary>What <see cref="PgQueueClient.EnqueueReportingDuplicateAsync"/> did.</summary>
/// <param name="TaskId">The new task's id, or the id of the pending task that already had the dedup key.</param>
/// <param name="Duplicate">
/// <see langword="true"/> when a pending task of the batch already had the dedup key, so nothing was inserted.
/// </param>
public sealed record EnqueueOutcome(long TaskId, bool Duplicate);
