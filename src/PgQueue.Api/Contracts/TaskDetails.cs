using System.Text.Json;

namespace PgQueue.Api.Contracts;

/// <summary>The answer of <c>GET /tasks/{taskId}</c>: a pending, a dead or a retained completed task.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="BatchId">The batch.</param>
/// <param name="State">
/// <c>pending</c> (waiting or running), <c>dead</c> (used up its attempts) or <c>completed</c> (retained in history
/// while the <c>keep_completed</c> setting is on). An id in none of them answers 404 with <c>"state": "unknown"</c>.
/// </param>
/// <param name="Status">The same value as <see cref="State"/>, under the name the first version of the API used.</param>
/// <param name="TaskType">The task type, if any.</param>
/// <param name="Payload">The payload.</param>
/// <param name="DedupKey">The dedup key, if any (completed tasks do not show it).</param>
/// <param name="Attempts">Tries charged so far; for a completed task, before the try that completed it.</param>
/// <param name="MaxAttempts">Tries the task gets, the first included.</param>
/// <param name="EnqueuedAt">When it was enqueued.</param>
/// <param name="RunAfter">When a pending task may run next, if it waits.</param>
/// <param name="LastError">The error of the last failed try, if any.</param>
/// <param name="LastFailedAt">When the last try failed; for a dead task, when it died.</param>
/// <param name="CompletedAt">When a completed task's completion committed; null otherwise.</param>
internal sealed record TaskDetails(
    long TaskId,
    string BatchId,
    string State,
    string Status,
    string? TaskType,
    JsonElement Payload,
    string? DedupKey,
    int Attempts,
    int MaxAttempts,
    DateTimeOffset EnqueuedAt,
    DateTimeOffset? RunAfter,
    string? LastError,
    DateTimeOffset? LastFailedAt,
    DateTimeOffset? CompletedAt = null)
{
    public const string Pending = "pending";
    public const string Dead = "dead";
    public const string Completed = "completed";
    public const string Unknown = "unknown";

    public static TaskDetails From(PendingTask task) => new(task.TaskId, task.BatchId, Pending, Pending, task.TaskType, task.Payload,
        task.DedupKey, task.Attempts, task.MaxAttempts, task.EnqueuedAt, task.RunAfter, task.LastError, task.LastFailedAt);

    public static TaskDetails From(FailedTask task) => new(task.TaskId, task.BatchId, Dead, Dead, task.TaskType, task.Payload,
        task.DedupKey, task.Attempts, task.MaxAttempts, task.EnqueuedAt, null, task.LastError, task.FailedAt);

    public static TaskDetails From(CompletedTask task) => new(task.TaskId, task.BatchId, Completed, Completed, task.TaskType, task.Payload,
        null, task.Attempts, task.MaxAttempts, task.EnqueuedAt, null, null, null, task.CompletedAt);

    /// <summary>The details of a found task, or <see langword="null"/> when <see cref="TaskLookup.State"/> is unknown.</summary>
    public static TaskDetails? From(TaskLookup lookup) => lookup.State switch
    {
        TaskState.Pending => From(lookup.Pending!),
        TaskState.Dead => From(lookup.Dead!),
        TaskState.Completed => From(lookup.Completed!),
        _ => null,
    };

    /// <summary>The lower-case name of a state, as the API writes it.</summary>
    public static string Name(TaskState state) => state switch
    {
        TaskState.Pending => Pending,
        TaskState.Dead => Dead,
        TaskState.Completed => Completed,
        _ => Unknown,
    };
}
