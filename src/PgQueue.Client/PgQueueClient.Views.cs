using Npgsql;
using NpgsqlTypes;

namespace PgQueue;

// Reads of the views pending_tasks, failed_tasks and batch_status beyond one batch. The task views are granted to
// pgqueue_admin only: they show payloads and errors.
public sealed partial class PgQueueClient
{
    private const string PendingTaskColumns =
        "p.task_id, p.batch_id, p.task_type, p.payload, p.dedup_key, p.attempts, p.max_attempts, p.enqueued_at, " +
        "p.run_after, p.last_error, p.last_failed_at";

    private const string PendingTaskSql =
        "SELECT " + PendingTaskColumns + " FROM pgqueue.pending_tasks AS p WHERE p.task_id = $1::bigint";

    private const string PendingTasksSql =
        "SELECT " + PendingTaskColumns + " FROM pgqueue.pending_tasks AS p " +
        "WHERE ($1::text IS NULL OR p.batch_id = $1::text) ORDER BY p.task_id LIMIT $2::integer";

    private const string FailedTaskColumns =
        "f.task_id, f.batch_id, f.task_type, f.payload, f.dedup_key, f.attempts, f.max_attempts, f.enqueued_at, " +
        "f.failed_at, f.last_error";

    private const string FailedTaskSql =
        "SELECT " + FailedTaskColumns + " FROM pgqueue.failed_tasks AS f WHERE f.task_id = $1::bigint";

    // The same filters as retry_dead_tasks (failed_after inclusive, failed_before exclusive), so a list shows what a
    // redrive with the same arguments would move.
    private const string FailedTasksSql =
        "SELECT " + FailedTaskColumns + " FROM pgqueue.failed_tasks AS f " +
        "WHERE ($1::text IS NULL OR f.batch_id = $1::text) " +
        "AND ($2::timestamptz IS NULL OR f.failed_at >= $2::timestamptz) " +
        "AND ($3::timestamptz IS NULL OR f.failed_at < $3::timestamptz) " +
        "ORDER BY f.failed_at, f.task_id LIMIT $4::integer";

    private const string BatchStatusesSql =
        "SELECT s.batch_id, s.pending, s.runnable, s.oldest_pending_age, s.owner, s.lease_expires_at, s.paused, s.dead, " +
        "s.state, s.head_task_id, s.head_attempts, s.head_run_after FROM pgqueue.batch_status AS s " +
        "WHERE ($1::text IS NULL OR s.batch_id > $1::text) ORDER BY s.batch_id LIMIT $2::integer";

    /// <summary>Reads one pending task from the view <c>pgqueue.pending_tasks</c>. Retried after transient errors.</summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The task, or <see langword="null"/> if no task with that id is pending (completed, dead or unknown).</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries, e.g. the role may not read the view.</exception>
    public async Task<PendingTask?> GetPendingTaskAsync(long taskId, CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("pending_tasks", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, PendingTaskSql, Bigint(taskId)), ReadPendingTask, ct),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Reads pending tasks in id order from the view <c>pgqueue.pending_tasks</c>. Retried after transient errors.
    /// </summary>
    /// <param name="batchId">Only this batch's tasks, or <see langword="null"/> for every batch.</param>
    /// <param name="limit">At most this many tasks.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The tasks, lowest id first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries, e.g. the role may not read the view.</exception>
    public async Task<IReadOnlyList<PendingTask>> GetPendingTasksAsync(string? batchId = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await ExecuteAsync("pending_tasks", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(
                Command(connection, null, PendingTasksSql, Text(batchId), Parameter(limit, NpgsqlDbType.Integer)), ReadPendingTask, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one dead task from the view <c>pgqueue.failed_tasks</c>. Retried after transient errors.</summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The dead task, or <see langword="null"/> if no dead task has that id.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries, e.g. the role may not read the view.</exception>
    public async Task<FailedTask?> GetFailedTaskAsync(long taskId, CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("failed_tasks", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, FailedTaskSql, Bigint(taskId)), ReadFailedTask, ct),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Reads dead tasks from the view <c>pgqueue.failed_tasks</c>, oldest death first, with the filters of
    /// <see cref="RetryDeadTasksAsync"/>: what a redrive with the same times would move. Retried after transient errors.
    /// </summary>
    /// <param name="batchId">Only this batch's dead tasks, or <see langword="null"/> for every batch.</param>
    /// <param name="failedAfter">Only tasks that died at or after this moment, or <see langword="null"/>.</param>
    /// <param name="failedBefore">Only tasks that died before this moment, or <see langword="null"/>.</param>
    /// <param name="limit">At most this many tasks.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The dead tasks, ordered by when they died, then by id.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries, e.g. the role may not read the view.</exception>
    public async Task<IReadOnlyList<FailedTask>> GetFailedTasksAsync(string? batchId = null, DateTimeOffset? failedAfter = null, DateTimeOffset? failedBefore = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await ExecuteAsync("failed_tasks", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(
                Command(connection, null, FailedTasksSql,
                    Text(batchId), Timestamp(failedAfter), Timestamp(failedBefore), Parameter(limit, NpgsqlDbType.Integer)),
                ReadFailedTask, ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads rows of the view <c>pgqueue.batch_status</c> in batch id order, a page at a time. Retried after transient
    /// errors.
    /// </summary>
    /// <param name="afterBatchId">Only batches whose id sorts after this one (the last id of the previous page), or <see langword="null"/>.</param>
    /// <param name="limit">At most this many batches.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The batches' status, ordered by batch id.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is less than 1.</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<IReadOnlyList<BatchStatus>> GetBatchStatusesAsync(string? afterBatchId = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await ExecuteAsync("batch_status", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(
                Command(connection, null, BatchStatusesSql, Text(afterBatchId), Parameter(limit, NpgsqlDbType.Integer)),
                ReadBatchStatus, ct),
            cancellationToken).ConfigureAwait(false);
    }

    private static PendingTask ReadPendingTask(NpgsqlDataReader row) => new(
        row.GetInt64(0),
        row.GetString(1),
        row.IsDBNull(2) ? null : row.GetString(2),
        ParseJson(row.GetString(3)),
        row.IsDBNull(4) ? null : row.GetString(4),
        row.GetInt32(5),
        row.GetInt32(6),
        row.GetFieldValue<DateTimeOffset>(7),
        NullOr<DateTimeOffset>(row, 8),
        row.IsDBNull(9) ? null : row.GetString(9),
        NullOr<DateTimeOffset>(row, 10));

    private static FailedTask ReadFailedTask(NpgsqlDataReader row) => new(
        row.GetInt64(0),
        row.GetString(1),
        row.IsDBNull(2) ? null : row.GetString(2),
        ParseJson(row.GetString(3)),
        row.IsDBNull(4) ? null : row.GetString(4),
        row.GetInt32(5),
        row.GetInt32(6),
        row.GetFieldValue<DateTimeOffset>(7),
        row.GetFieldValue<DateTimeOffset>(8),
        row.IsDBNull(9) ? null : row.GetString(9));

    private static BatchStatus ReadBatchStatus(NpgsqlDataReader row) => new(
        row.GetString(0),
        row.GetInt64(1),
        row.GetBoolean(2),
        NullOr<TimeSpan>(row, 3),
        row.IsDBNull(4) ? null : row.GetString(4),
        NullOr<DateTimeOffset>(row, 5),
        row.GetBoolean(6),
        row.GetInt64(7),
        row.GetString(8),
        NullOr<long>(row, 9),
        NullOr<int>(row, 10),
        NullOr<DateTimeOffset>(row, 11));
}
