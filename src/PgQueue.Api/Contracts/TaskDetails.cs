using System.Text.Json;

namespace PgQueue.Api.Contracts;

/// <summary>The answer of <c>GET /tasks/{taskId}</c>: a pending or a dead task.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="BatchId">The batch.</param>
/// <param name="Status"><c>pending</c> (waiting or running) or <c>dead</c> (used up its attempts).</param>
/// <param name="TaskType">The task type, if any.</param>
/// <param name="Payload">The payload.</param>
/// <param name="DedupKey">The dedup key, if any.</param>
/// <param name="Attempts">Tries charged so far.</param>
/// <param name="MaxAttempts">Tries the task gets, the first included.</param>
/// <param name="EnqueuedAt">When it was enqueued.</param>
/// <param name="RunAfter">When a pending task may run next, if it waits.</param>
/// <param name="LastError">The error of the last failed try, if any.</param>
/// <param name="LastFailedAt">When the last try failed; for a dead task, when it died.</param>
internal sealed record TaskDetails(
    long TaskId,
    string BatchId,
    string Status,
    string? TaskType,
    JsonElement Payload,
    string? DedupKey,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset? RunAfter,
    string? LastError,
    DateTimeOffset? LastFailedAt)
{
    public const string Pending = "pending";
    public const string Dead = "dead";

    public static TaskDetails From(PendingTask task) => new(task.TaskId, task.BatchId, Pending, task.TaskType, task.Payload,
        task.DedupKey, task.Attempts, task.MaxAttempts, task.EnqueuedAt, task.RunAfter, task.LastError, task.LastFailedAt);

    public static TaskDetails From(FailedTask task) => new(task.TaskId, task.BatchId, Dead, task.TaskType, task.Payload,
        task.DedupKey, task.Attempts, task.MaxAttempts, task.EnqueuedAt, null, task.LastError, task.FailedAt);
}
