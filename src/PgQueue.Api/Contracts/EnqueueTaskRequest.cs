using System.Text.Json;

namespace PgQueue.Api.Contracts;

/// <summary>The body of <c>POST /tasks</c>: the arguments of <c>pgqueue.enqueue</c>.</summary>
/// <param name="BatchId">The batch: 1–64 characters of <c>A-Z a-z 0-9 . _ : -</c>.</param>
/// <param name="Payload">Any JSON value, stored as <c>jsonb</c>.</param>
/// <param name="TaskType">The type a worker dispatches on, e.g. <c>demo.sleep</c>.</param>
/// <param name="DedupKey">While a task with this key is pending in the batch, enqueueing again returns that task.</param>
/// <param name="RunAfter">The earliest moment the task may run; the batch waits for it.</param>
/// <param name="MaxAttempts">Tries the task gets, the first included; the database setting when omitted.</param>
internal sealed record EnqueueTaskRequest(
    string BatchId,
    JsonElement Payload,
    string? TaskType = null,
    string? DedupKey = null,
    DateTimeOffset? RunAfter = null,
    int? MaxAttempts = null);
