namespace PgQueue;

/// <summary>The totals of the view <c>pgqueue.queue_stats</c>.</summary>
/// <param name="Batches">Known batches.</param>
/// <param name="Pending">Pending tasks in all batches.</param>
/// <param name="LeasedBatches">Batches under a live lease.</param>
/// <param name="PausedBatches">Paused batches.</param>
/// <param name="ClaimableBatches">Batches a worker could claim now.</param>
/// <param name="Dead">Dead tasks.</param>
/// <param name="OldestPendingAge">How long the oldest pending task has waited, or <see langword="null"/> when none.</param>
public sealed record QueueStats(
    long Batches,
    long Pending,
    long LeasedBatches,
    long PausedBatches,
    long ClaimableBatches,
    long Dead,
    TimeSpan? OldestPendingAge);
