namespace PgQueue;

/// <summary>One row of the view <c>pgqueue.schedule_status</c>: a recurring task and its next run.</summary>
/// <param name="ScheduleName">The schedule's name (batch id rules).</param>
/// <param name="BatchId">The batch each run's task is enqueued into.</param>
/// <param name="TaskType">The task type of each run's task, or <see langword="null"/>.</param>
/// <param name="Every">The fixed interval between runs, or <see langword="null"/> for a cron schedule.</param>
/// <param name="Cron">The 5-field cron expression, or <see langword="null"/> for an interval schedule.</param>
/// <param name="TimeZone">The time zone the cron expression is evaluated in (a <c>pg_timezone_names</c> name).</param>
/// <param name="NextRun">The next slot: <c>enqueue_due_schedules</c> enqueues a task once this moment has passed.</param>
/// <param name="LastSlot">The last slot a task was enqueued for, or <see langword="null"/> if none yet.</param>
public sealed record ScheduleStatus(
    string ScheduleName,
    string BatchId,
    string? TaskType,
    TimeSpan? Every,
    string? Cron,
    string TimeZone,
    DateTimeOffset NextRun,
    DateTimeOffset? LastSlot);
