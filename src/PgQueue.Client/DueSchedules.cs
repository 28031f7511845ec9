namespace PgQueue;

/// <summary>What <see cref="PgQueueClient.EnqueueDueSchedulesAndGetNextRunAsync"/> found.</summary>
/// <param name="TasksEnqueued">How many tasks of due schedules <c>enqueue_due_schedules</c> enqueued.</param>
/// <param name="NextRun">The earliest next run of all schedules afterwards, or <see langword="null"/> when there are none.</param>
/// <param name="UntilNextRun">
/// How long until <paramref name="NextRun"/> on the database's clock (negative when a schedule is already due again,
/// e.g. one another caller holds right now), or <see langword="null"/> when there are no schedules.
/// </param>
public sealed record DueSchedules(int TasksEnqueued, DateTimeOffset? NextRun, TimeSpan? UntilNextRun);
