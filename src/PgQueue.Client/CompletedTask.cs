using System.Text.Json;

namespace PgQueue;

/// <summary>
/// One row of the view <c>pgqueue.completed_tasks</c>: a task completed while the <c>keep_completed</c> setting was
/// on, retained until <c>reap_stale_locks</c> trims it.
/// </summary>
/// <param name="TaskId">The task id it had while pending.</param>
/// <param name="BatchId">The batch it belonged to.</param>
/// <param name="TaskType">The task type given at enqueue, or <see langword="null"/>.</param>
/// <param name="Payload">The JSON payload.</param>
/// <param name="Attempts">Tries charged before the one that completed it.</param>
/// <param name="MaxAttempts">How many tries the task had, the first included.</param>
/// <param name="EnqueuedAt">When the task was enqueued.</param>
/// <param name="CompletedAt">When its completion committed.</param>
public sealed record CompletedTask(
    long TaskId,
    string BatchId,
    string? TaskType,
    JsonElement Payload,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset CompletedAt);
