using System.Text.Json;

namespace PgQueue.Api.Contracts;

/// <summary>The body of <c>POST /tasks/bulk</c>: the arguments of <c>pgqueue.enqueue_many</c>.</summary>
/// <param name="BatchId">The batch every task goes to.</param>
/// <param name="Payloads">The payloads, enqueued in this order in one statement.</param>
/// <param name="TaskType">The type of every task.</param>
internal sealed record EnqueueTasksRequest(string BatchId, IReadOnlyList<JsonElement> Payloads, string? TaskType = null);
