namespace PgQueue;

/// <summary>One row of the view <c>pgqueue.batch_status</c>.</summary>
/// <param name="BatchId">The batch id.</param>
/// <param name="Pending">Tasks pending in the batch.</param>
/// <param name="Runnable">Whether a worker could claim the batch now (<see cref="State"/> is <c>runnable</c>).</param>
/// <param name="OldestPendingAge">How long the oldest pending task has waited, or <see langword="null"/> when empty.</param>
/// <param name="Owner">The worker id holding a live lease, or <see langword="null"/>.</param>
/// <param name="LeaseExpiresAt">When the live lease expires, or <see langword="null"/>.</param>
/// <param name="Paused">Whether the batch is paused.</param>
/// <param name="Dead">Dead tasks of the batch.</param>
/// <param name="State">
/// Why the batch is or is not moving: <c>runnable</c>, <c>paused</c>, <c>leased</c>, <c>head delayed</c> or <c>empty</c>.
/// </param>
/// <param name="HeadTaskId">The head task (lowest pending id), or <see langword="null"/> when empty.</param>
/// <param name="HeadAttempts">Tries already charged to the head task, or <see langword="null"/>.</param>
/// <param name="HeadRunAfter">When the head task may run, or <see langword="null"/>.</param>
public sealed record BatchStatus(
    string BatchId,
    long Pending,
    bool Runnable,
    TimeSpan? OldestPendingAge,
    string? Owner,
    DateTimeOffset? LeaseExpiresAt,
    bool Paused,
    long Dead,
    string State,
    long? HeadTaskId,
    int? HeadAttempts,
    DateTimeOffset? HeadRunAfter);
