using System.Text.Json;

namespace PgQueue.Api.Contracts;

/// <summary>
/// The body of <c>PUT /schedules/{scheduleName}</c>: the arguments of <c>pgqueue.set_schedule</c>. Exactly one of
/// <see cref="Every"/> and <see cref="Cron"/>.
/// </summary>
/// <param name="BatchId">The batch each run's task is enqueued into.</param>
/// <param name="Every">
/// The time between runs as <c>[d.]hh:mm:ss</c>, a whole number of seconds, at least 1: <c>"00:00:05"</c>, <c>"01:30:00"</c>,
/// <c>"1.00:00:00"</c> (a day counts 24 hours). The same form <c>GET /schedules</c> answers with.
/// </param>
/// <param name="Cron">A 5-field cron expression (minute hour day-of-month month day-of-week), e.g. <c>"30 2 * * *"</c>.</param>
/// <param name="Payload">The JSON payload of each run's task; <c>{}</c> when omitted or null.</param>
/// <param name="TaskType">The task type of each run's task.</param>
/// <param name="TimeZone">The zone a cron expression is evaluated in, a <c>pg_timezone_names</c> name; <c>UTC</c> when omitted.</param>
internal sealed record SetScheduleRequest(
    string BatchId,
    string? Every = null,
    string? Cron = null,
    JsonElement? Payload = null,
    string? TaskType = null,
    string? TimeZone = null);

/// <summary>The answer of <c>GET /schedules</c>: one page of <c>pgqueue.schedule_status</c> in name order.</summary>
/// <param name="Schedules">The schedules.</param>
/// <param name="NextAfter">Pass as <c>after</c> for the next page; null on the last page.</param>
internal sealed record ScheduleList(IReadOnlyList<ScheduleStatus> Schedules, string? NextAfter);

/// <summary>The answer of <c>POST /schedules/enqueue-due</c>.</summary>
/// <param name="Enqueued">How many tasks <c>pgqueue.enqueue_due_schedules</c> enqueued: one per due schedule.</param>
internal sealed record EnqueuedDueSchedules(int Enqueued);

/// <summary>The answer of <c>GET /cron/next</c>: the next slots of a cron expression (<c>pgqueue.next_cron_run</c>).</summary>
/// <param name="Cron">The expression.</param>
/// <param name="TimeZone">The zone it was evaluated in.</param>
/// <param name="After">The moment the first slot is strictly after (the database's now when not given).</param>
/// <param name="NextRuns">The next slots, earliest first, in UTC.</param>
internal sealed record CronPreview(string Cron, string TimeZone, DateTimeOffset? After, IReadOnlyList<DateTimeOffset> NextRuns);

/// <summary>The body of <c>PUT /batches/{batchId}/priority</c>.</summary>
/// <param name="Priority">Any integer; claims take strictly higher priorities first. Every batch starts at 0.</param>
internal sealed record SetBatchPriorityRequest(int Priority);

/// <summary>The answer of <c>POST /tasks/{taskId}/rerun</c>.</summary>
/// <param name="TaskId">The new task's id (its copy runs at the end of the batch).</param>
/// <param name="BatchId">The batch.</param>
/// <param name="RerunOf">The completed or dead task it copies.</param>
internal sealed record RerunTask(long TaskId, string BatchId, long RerunOf);
