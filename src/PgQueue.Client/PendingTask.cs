using System.Text.Json;

namespace PgQueue;

/// <summary>One row of the view <c>pgqueue.pending_tasks</c>: a task waiting to run or running now.</summary>
/// <param name="TaskId">The task id; ids grow in enqueue order inside a batch.</param>
/// <param name="BatchId">The batch the task belongs to.</param>
/// <param name="TaskType">The task type given at enqueue, or <see langword="null"/>.</param>
/// <param name="Payload">The JSON payload.</param>
/// <param name="DedupKey">The dedup key given at enqueue, or <see langword="null"/>.</param>
/// <param name="Attempts">Tries already charged: 0 before the first run.</param>
/// <param name="MaxAttempts">How many tries the task gets, the first included.</param>
/// <param name="EnqueuedAt">When the task was enqueued.</param>
/// <param name="RunAfter">The earliest moment the task may run (set at enqueue or by a retry), or <see langword="null"/>.</param>
/// <param name="LastError">The error of the last failed try, or <see langword="null"/>.</param>
/// <param name="LastFailedAt">When the last try failed, or <see langword="null"/>.</param>
public sealed record PendingTask(
    long TaskId,
    string BatchId,
    string? TaskType,
    JsonElement Payload,
    string? DedupKey,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset? RunAfter,
    string? LastError,
    DateTimeOffset? LastFailedAt);
