namespace PgQueue.Api.Contracts;

/// <summary>One task a <c>POST /process-task</c> round ran, and how it ended.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="Attempt">Which try this was: 1 on the first run.</param>
/// <param name="Outcome">How the run ended.</param>
/// <param name="Error">The handler's error when it failed (<c>retry</c> or <c>dead</c>), else null.</param>
internal sealed record ProcessedTask(long TaskId, int Attempt, TaskRunOutcome Outcome, string? Error);
