namespace PgQueue;

/// <summary>What <see cref="PgQueueClient.EnqueueDueSchedulesAndClaimBatchAsync"/> did in its one round trip.</summary>
/// <param name="Lease">The lease, or <see langword="null"/> when there was nothing to claim. Dispose it to release the batch.</param>
/// <param name="TasksEnqueued">How many tasks of due schedules <c>enqueue_due_schedules</c> enqueued (0 when nothing was due).</param>
public sealed record ScheduledClaim(BatchLease? Lease, int TasksEnqueued);
