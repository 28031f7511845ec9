namespace PgQueue.Api.Contracts;

/// <summary>The body of <c>POST /process-task</c>.</summary>
/// <param name="WorkerId">Who processes: shown in <c>batch_status</c> and in the logs.</param>
/// <param name="BatchId">A batch to take first if it can be claimed; otherwise, or when omitted, the longest-waiting one.</param>
internal sealed record ProcessTaskRequest(string WorkerId, string? BatchId = null);
