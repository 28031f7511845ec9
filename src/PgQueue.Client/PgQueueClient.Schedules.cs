using Npgsql;
using NpgsqlTypes;

namespace PgQueue;

// The second part of the contract: recurring tasks (set_schedule, drop_schedule, enqueue_due_schedules,
// next_cron_run, schedule_status), batch priority (set_batch_priority) and task history (completed_tasks, rerun_task).
public sealed partial class PgQueueClient
{
    private const string SetScheduleSql =
        "SELECT next_run FROM pgqueue.set_schedule(schedule_name => $1::text, batch_id => $2::text, every => $3::interval, " +
        "cron => $4::text, payload => $5::jsonb, task_type => $6::text, time_zone => $7::text) AS next_run";

    private const string DropScheduleSql =
        "SELECT dropped FROM pgqueue.drop_schedule(schedule_name => $1::text) AS dropped";

    private const string EnqueueDueSchedulesSql = "SELECT enqueued FROM pgqueue.enqueue_due_schedules() AS enqueued";

    private const string NextCronRunSql =
        "SELECT next_run FROM pgqueue.next_cron_run(cron => $1::text, time_zone => $2::text, after => $3::timestamptz) AS next_run";

    private const string SetBatchPrioritySql =
        "SELECT FROM pgqueue.set_batch_priority(batch_id => $1::text, priority => $2::integer)";

    private const string RerunTaskSql = "SELECT task_id FROM pgqueue.rerun_task(task_id => $1::bigint) AS task_id";

    private const string ScheduleColumns =
        "s.schedule_name, s.batch_id, s.task_type, s.every, s.cron, s.time_zone, s.next_run, s.last_slot";

    private const string ScheduleSql =
        "SELECT " + ScheduleColumns + " FROM pgqueue.schedule_status AS s WHERE s.schedule_name = $1::text";

    private const string SchedulesSql =
        "SELECT " + ScheduleColumns + " FROM pgqueue.schedule_status AS s " +
        "WHERE ($1::text IS NULL OR s.schedule_name > $1::text) ORDER BY s.schedule_name LIMIT $2::integer";

    private const string CompletedTaskColumns =
        "c.task_id, c.batch_id, c.task_type, c.payload, c.attempts, c.max_attempts, c.enqueued_at, c.completed_at";

    private const string CompletedTasksSql =
        "SELECT " + CompletedTaskColumns + " FROM pgqueue.completed_tasks AS c " +
        "WHERE ($1::text IS NULL OR c.batch_id = $1::text) ORDER BY c.completed_at DESC, c.task_id DESC LIMIT $2::integer";

    // One statement, so one snapshot: a task completing between two lookups cannot show up as unknown.
    private const string FindTaskSql =
        "SELECT 1, p.task_id, p.batch_id, p.task_type, p.payload, p.dedup_key, p.attempts, p.max_attempts, p.enqueued_at, " +
        "p.run_after, p.last_error, p.last_failed_at FROM pgqueue.pending_tasks AS p WHERE p.task_id = $1::bigint " +
        "UNION ALL " +
        "SELECT 2, f.task_id, f.batch_id, f.task_type, f.payload, f.dedup_key, f.attempts, f.max_attempts, f.enqueued_at, " +
        "NULL, f.last_error, f.failed_at FROM pgqueue.failed_tasks AS f WHERE f.task_id = $1::bigint " +
        "UNION ALL " +
        "SELECT 3, c.task_id, c.batch_id, c.task_type, c.payload, NULL, c.attempts, c.max_attempts, c.enqueued_at, " +
        "NULL, NULL, c.completed_at FROM pgqueue.completed_tasks AS c WHERE c.task_id = $1::bigint " +
        "ORDER BY 1 LIMIT 1";

    /// <summary>
    /// Creates or replaces a recurring task (<c>pgqueue.set_schedule</c>): exactly one of <paramref name="every"/> and
    /// <paramref name="cron"/>. Setting a schedule never fires it at once; replacing one recomputes its next run from
    /// now. Retried after transient errors (the call is idempotent).
    /// </summary>
    /// <param name="scheduleName">The schedule's name (1–64 of <c>A-Z a-z 0-9 . _ : -</c>).</param>
    /// <param name="batchId">The batch each run's task is enqueued into.</param>
    /// <param name="every">A whole number of seconds ≥ 1 between runs, or <see langword="null"/> for a cron schedule.</param>
    /// <param name="cron">A 5-field cron expression (cron(8) dialect), or <see langword="null"/> for an interval schedule.</param>
    /// <param name="payloadJson">The JSON payload of each run's task; <see langword="null"/> means <c>{}</c>.</param>
    /// <param name="taskType">The task type of each run's task, or <see langword="null"/>.</param>
    /// <param name="timeZone">The zone a cron expression is evaluated in, a <c>pg_timezone_names</c> name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schedule's next run.</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">A bad name, cron, zone or interval, or both or neither of every/cron (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<DateTimeOffset> SetScheduleAsync(string scheduleName, string batchId, TimeSpan? every = null, string? cron = null, string? payloadJson = null, string? taskType = null, string timeZone = "UTC", CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<DateTimeOffset>("set_schedule", SetScheduleSql,
            [Text(scheduleName), Text(batchId), Interval(every), Text(cron), Parameter(payloadJson ?? "{}", NpgsqlDbType.Jsonb),
             Text(taskType), Text(timeZone)],
            cancellationToken);

    /// <summary>Removes a schedule (<c>pgqueue.drop_schedule</c>). Retried after transient errors.</summary>
    /// <param name="scheduleName">The schedule's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> if it existed, <see langword="false"/> if there was none.</returns>
    /// <exception cref="InvalidQueueArgumentException">The name is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<bool> DropScheduleAsync(string scheduleName, CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<bool>("drop_schedule", DropScheduleSql, [Text(scheduleName)], cancellationToken);

    /// <summary>
    /// Enqueues one task for every schedule whose next run has come (<c>pgqueue.enqueue_due_schedules</c>), exactly
    /// once per slot however many workers call it at once; slots missed while nothing called collapse into one task.
    /// With nothing due it is one index probe. Retried after transient errors (a retried call finds the slot taken).
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many tasks were enqueued.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<int> EnqueueDueSchedulesAsync(CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<int>("enqueue_due_schedules", EnqueueDueSchedulesSql, [], cancellationToken);

    /// <summary>
    /// The first slot of a cron expression strictly after a moment (<c>pgqueue.next_cron_run</c>): the one place cron
    /// is evaluated, in PL/pgSQL. Retried after transient errors.
    /// </summary>
    /// <param name="cron">A 5-field cron expression (cron(8) dialect).</param>
    /// <param name="timeZone">The zone it is evaluated in, a <c>pg_timezone_names</c> name.</param>
    /// <param name="after">The moment to start after, or <see langword="null"/> for the database's now.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The next slot.</returns>
    /// <exception cref="InvalidQueueArgumentException">The cron expression or zone is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<DateTimeOffset> NextCronRunAsync(string cron, string timeZone = "UTC", DateTimeOffset? after = null, CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<DateTimeOffset>("next_cron_run", NextCronRunSql, [Text(cron), Text(timeZone), Timestamp(after)], cancellationToken);

    /// <summary>
    /// Sets a batch's priority (<c>pgqueue.set_batch_priority</c>), creating the batch if unknown: claims take strictly
    /// higher priorities first, then the longest-due head. Order inside the batch stays FIFO. Retried after transient errors.
    /// </summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="priority">The priority; the default of every batch is 0.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the priority is set.</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task SetBatchPriorityAsync(string batchId, int priority, CancellationToken cancellationToken = default) =>
        ExecuteAsync("set_batch_priority", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(
                Command(connection, null, SetBatchPrioritySql, Text(batchId), Parameter(priority, NpgsqlDbType.Integer)),
                static _ => 0, ct),
            cancellationToken);

    /// <summary>
    /// Enqueues a copy of a retained completed task or of a dead task at the end of its batch (<c>pgqueue.rerun_task</c>).
    /// A dead original leaves <c>dead_tasks</c>; a completed one stays in history. Not retried once sent: a second
    /// call could enqueue a second copy.
    /// </summary>
    /// <param name="taskId">The completed or dead task's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task's id.</returns>
    /// <exception cref="NotHeadTaskException">The task is pending, unknown or no longer retained (<c>PQ003</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public async Task<long> RerunTaskAsync(long taskId, CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("rerun_task", retryOnlyUnsent: true,
            (connection, ct) => QueryAsync(Command(connection, null, RerunTaskSql, Bigint(taskId)), static row => row.GetInt64(0), ct),
            cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    /// <summary>Reads one schedule from the view <c>pgqueue.schedule_status</c>. Retried after transient errors.</summary>
    /// <param name="scheduleName">The schedule's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schedule, or <see langword="null"/> if there is none by that name.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<ScheduleStatus?> GetScheduleAsync(string scheduleName, CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("schedule_status", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, ScheduleSql, Text(scheduleName)), ReadSchedule, ct),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Reads schedules in name order from the view <c>pgqueue.schedule_status</c>, a page at a time. Retried after
    /// transient errors.
    /// </summary>
    /// <param name="afterScheduleName">Only names after this one (the last name of the previous page), or <see langword="null"/>.</param>
    /// <param name="limit">At most this many schedules.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The schedules.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<IReadOnlyList<ScheduleStatus>> GetSchedulesAsync(string? afterScheduleName = null, int limit = 100, CancellationToken cancellationToken = default)
        => await ExecuteAsync("schedule_status", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(
                Command(connection, null, SchedulesSql, Text(afterScheduleName), Parameter(limit, NpgsqlDbType.Integer)),
                ReadSchedule, ct),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Reads retained completed tasks, newest first, from the view <c>pgqueue.completed_tasks</c> (empty unless the
    /// <c>keep_completed</c> setting is on). Retried after transient errors.
    /// </summary>
    /// <param name="batchId">Only this batch's tasks, or <see langword="null"/> for every batch.</param>
    /// <param name="limit">At most this many tasks.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tasks.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries, e.g. the role may not read the view.</exception>
    public async Task<IReadOnlyList<CompletedTask>> GetCompletedTasksAsync(string? batchId = null, int limit = 100, CancellationToken cancellationToken = default)
        => await ExecuteAsync("completed_tasks", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(
                Command(connection, null, CompletedTasksSql, Text(batchId), Parameter(limit, NpgsqlDbType.Integer)),
                ReadCompletedTask, ct),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Looks a task id up in one snapshot among pending, dead and retained completed tasks (the views
    /// <c>pending_tasks</c>, <c>failed_tasks</c>, <c>completed_tasks</c>). Retried after transient errors.
    /// </summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Where the task is; <see cref="TaskState.Unknown"/> when it is in none of them.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries, e.g. the role may not read the views.</exception>
    public async Task<TaskLookup> FindTaskAsync(long taskId, CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("find_task", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, FindTaskSql, Bigint(taskId)), ReadTaskLookup, ct),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? new TaskLookup(taskId, TaskState.Unknown) : rows[0];
    }

    private static ScheduleStatus ReadSchedule(NpgsqlDataReader row) => new(
        row.GetString(0),
        row.GetString(1),
        row.IsDBNull(2) ? null : row.GetString(2),
        NullOr<TimeSpan>(row, 3),
        row.IsDBNull(4) ? null : row.GetString(4),
        row.GetString(5),
        row.GetFieldValue<DateTimeOffset>(6),
        NullOr<DateTimeOffset>(row, 7));

    private static CompletedTask ReadCompletedTask(NpgsqlDataReader row) => new(
        row.GetInt64(0),
        row.GetString(1),
        row.IsDBNull(2) ? null : row.GetString(2),
        ParseJson(row.GetString(3)),
        row.GetInt32(4),
        row.GetInt32(5),
        row.GetFieldValue<DateTimeOffset>(6),
        row.GetFieldValue<DateTimeOffset>(7));

    private static TaskLookup ReadTaskLookup(NpgsqlDataReader row)
    {
        var taskId = row.GetInt64(1);
        var batchId = row.GetString(2);
        var taskType = row.IsDBNull(3) ? null : row.GetString(3);
        var payload = ParseJson(row.GetString(4));
        var dedupKey = row.IsDBNull(5) ? null : row.GetString(5);
        var attempts = row.GetInt32(6);
        var maxAttempts = row.GetInt32(7);
        var enqueuedAt = row.GetFieldValue<DateTimeOffset>(8);
        var lastError = row.IsDBNull(10) ? null : row.GetString(10);
        var at = NullOr<DateTimeOffset>(row, 11);
        return row.GetInt32(0) switch
        {
            1 => new TaskLookup(taskId, TaskState.Pending, Pending: new PendingTask(
                taskId, batchId, taskType, payload, dedupKey, attempts, maxAttempts, enqueuedAt,
                NullOr<DateTimeOffset>(row, 9), lastError, at)),
            2 => new TaskLookup(taskId, TaskState.Dead, Dead: new FailedTask(
                taskId, batchId, taskType, payload, dedupKey, attempts, maxAttempts, enqueuedAt, at!.Value, lastError)),
            _ => new TaskLookup(taskId, TaskState.Completed, Completed: new CompletedTask(
                taskId, batchId, taskType, payload, attempts, maxAttempts, enqueuedAt, at!.Value)),
        };
    }
}
