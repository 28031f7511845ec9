namespace PgQueue;

/// <summary>One task a worker ran while draining a batch, and how it ended.</summary>
/// <param name="TaskId">The task id.</param>
/// <param name="Attempt">Which try this was: 1 on the first run.</param>
/// <param name="Outcome">How the run ended.</param>
/// <param name="Error">The handler's error when it failed (<see cref="TaskRunOutcome.Retry"/> or <see cref="TaskRunOutcome.Dead"/>), else <see langword="null"/>.</param>
public sealed record TaskRun(long TaskId, int Attempt, TaskRunOutcome Outcome, string? Error = null);
