using System.Text.Json;

namespace PgQueue;

/// <summary>One row of the view <c>pgqueue.failed_tasks</c>: a dead task, which used up its attempts.</summary>
/// <param name="TaskId">The task's original id; a redrive puts it back under this id.</param>
/// <param name="BatchId">The batch the task belongs to.</param>
/// <param name="TaskType">The task type given at enqueue, or <see langword="null"/>.</param>
/// <param name="Payload">The JSON payload.</param>
/// <param name="DedupKey">The dedup key given at enqueue, or <see langword="null"/>.</param>
/// <param name="Attempts">Tries charged before the task died.</param>
/// <param name="MaxAttempts">How many tries the task had, the first included.</param>
/// <param name="EnqueuedAt">When the task was first enqueued.</param>
/// <param name="FailedAt">When the task died.</param>
/// <param name="LastError">The error of the last try, or <see langword="null"/>.</param>
public sealed record FailedTask(
    long TaskId,
    string BatchId,
    string? TaskType,
    JsonElement Payload,
    string? DedupKey,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset FailedAt,
    string? LastError);
