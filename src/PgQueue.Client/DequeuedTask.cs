using System.Text.Json;

namespace PgQueue;

/// <summary>The head task <c>pgqueue.dequeue_task</c> returned, row-locked in the transaction that dequeued it.</summary>
/// <param name="TaskId">The task id; ids grow in enqueue order inside a batch.</param>
/// <param name="TaskType">The task type given at enqueue, or <see langword="null"/>.</param>
/// <param name="Payload">The JSON payload.</param>
/// <param name="Attempts">Tries already charged: 0 on the first run.</param>
/// <param name="EnqueuedAt">When the task was enqueued.</param>
public sealed record DequeuedTask(long TaskId, string? TaskType, JsonElement Payload, int Attempts, DateTimeOffset EnqueuedAt);
