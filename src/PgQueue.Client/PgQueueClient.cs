using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using Polly;

namespace PgQueue;

/// <summary>
/// The PgQueue client: one async method per <c>pgqueue</c> function, over one <see cref="NpgsqlDataSource"/>.
/// Create one per process and share it (it is thread-safe).
/// </summary>
/// <remarks>
/// <para>
/// Methods that take no connection or transaction run on a pooled connection and repeat the whole call after a
/// transient error (see <see cref="TransientErrors"/>, <see cref="PgQueueRetryOptions"/>). Methods that take an
/// <see cref="NpgsqlTransaction"/> run inside it and are never retried: the transaction belongs to the caller.
/// </para>
/// <para>
/// Contract errors arrive as <see cref="PgQueueException"/> subclasses: <see cref="LeaseLostException"/> (<c>PQ001</c>),
/// <see cref="InvalidBatchIdException"/> (<c>PQ002</c>), <see cref="NotHeadTaskException"/> (<c>PQ003</c>),
/// <see cref="InvalidQueueArgumentException"/> (<c>PQ004</c>). Other failures surface as <see cref="NpgsqlException"/>
/// (or <see cref="PostgresException"/>) once retries are spent, and cancellation as
/// <see cref="OperationCanceledException"/>.
/// </para>
/// </remarks>
public sealed partial class PgQueueClient : IAsyncDisposable
{
    private const string EnqueueSql =
        "SELECT task_id FROM pgqueue.enqueue(batch_id => $1::text, payload => $2::jsonb, task_type => $3::text, " +
        "dedup_key => $4::text, run_after => $5::timestamptz, max_attempts => $6::integer) AS task_id";

    private const string EnqueueManySql =
        "SELECT task_id FROM pgqueue.enqueue_many(batch_id => $1::text, payloads => $2::jsonb[], task_type => $3::text) AS task_id";

    // The remaining lease is measured on the database clock, so the heartbeat does not depend on clock skew.
    private const string ClaimBatchSql =
        "SELECT c.batch_id, c.lease_token, c.lease_expires_at, c.lease_expires_at - clock_timestamp() " +
        "FROM pgqueue.claim_batch(worker_id => $1::text, preferred_batch_id => $2::text, lease => $3::interval) AS c";

    private const string DequeueTaskSql =
        "SELECT t.task_id, t.task_type, t.payload, t.attempts, t.enqueued_at " +
        "FROM pgqueue.dequeue_task(batch_id => $1::text, lease_token => $2::bigint) AS t";

    private const string CompleteTaskSql =
        "SELECT FROM pgqueue.complete_task(task_id => $1::bigint, lease_token => $2::bigint)";

    // What Npgsql's BeginTransaction() sends: READ COMMITTED whatever default_transaction_isolation says.
    private const string BeginReadCommittedSql = "BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED";

    private const string FailTaskSql =
        "SELECT outcome FROM pgqueue.fail_task(task_id => $1::bigint, lease_token => $2::bigint, error => $3::text, " +
        "retry_after => $4::interval) AS outcome";

    private const string RenewLeaseSql =
        "SELECT lease_expires_at FROM pgqueue.renew_lease(batch_id => $1::text, lease_token => $2::bigint, lease => $3::interval) AS lease_expires_at";

    private const string ReleaseBatchSql =
        "SELECT released FROM pgqueue.release_batch(batch_id => $1::text, lease_token => $2::bigint) AS released";

    private const string ReapStaleLocksSql = "SELECT cleared FROM pgqueue.reap_stale_locks() AS cleared";

    private const string RetryDeadTasksSql =
        "SELECT moved FROM pgqueue.retry_dead_tasks(task_ids => $1::bigint[], failed_after => $2::timestamptz, " +
        "failed_before => $3::timestamptz) AS moved";

    private const string PauseBatchSql = "SELECT FROM pgqueue.pause_batch(batch_id => $1::text)";

    private const string ResumeBatchSql = "SELECT FROM pgqueue.resume_batch(batch_id => $1::text)";

    private const string BatchStatusSql =
        "SELECT s.batch_id, s.pending, s.runnable, s.oldest_pending_age, s.owner, s.lease_expires_at, s.paused, s.dead, " +
        "s.state, s.head_task_id, s.head_attempts, s.head_run_after FROM pgqueue.batch_status AS s WHERE s.batch_id = $1::text";

    private const string QueueStatsSql =
        "SELECT q.batches, q.pending, q.leased_batches, q.paused_batches, q.claimable_batches, q.dead, q.oldest_pending_age " +
        "FROM pgqueue.queue_stats AS q";

    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;
    private readonly bool _ownsDataSource;

    /// <summary>Creates a client over a data source the caller owns (disposing the client leaves it open).</summary>
    /// <param name="dataSource">The data source; one per process.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where PgQueue logs go, or <see langword="null"/> for nowhere.</param>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is null.</exception>
    public PgQueueClient(NpgsqlDataSource dataSource, PgQueueClientOptions? options = null, ILoggerFactory? loggerFactory = null)
        : this(dataSource, options, loggerFactory, ownsDataSource: false)
    {
    }

    private PgQueueClient(NpgsqlDataSource dataSource, PgQueueClientOptions? options, ILoggerFactory? loggerFactory, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        DataSource = dataSource;
        Options = options ?? new PgQueueClientOptions();
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = LoggerFactory.CreateLogger<PgQueueClient>();
        _pipeline = TransientRetryPipeline.Build(Options.Retry, _logger);
        SerializerOptions = Options.SerializerOptions;
        _ownsDataSource = ownsDataSource;
    }

    /// <summary>The data source the client uses; open connections from it to work in your own transactions.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The options the client was created with.</summary>
    public PgQueueClientOptions Options { get; }

    internal ILoggerFactory LoggerFactory { get; }

    internal JsonSerializerOptions SerializerOptions { get; }

    /// <summary>Creates a client with its own data source, which disposing the client disposes.</summary>
    /// <param name="connectionString">The PostgreSQL connection string.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where PgQueue's and Npgsql's logs go, or <see langword="null"/> for nowhere.</param>
    /// <returns>The client.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null, empty or invalid.</exception>
    public static PgQueueClient Create(string connectionString, PgQueueClientOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        return new PgQueueClient(builder.Build(), options, loggerFactory, ownsDataSource: true);
    }

    /// <summary>Appends a task to a batch (<c>pgqueue.enqueue</c>), creating the batch if it is new.</summary>
    /// <remarks>
    /// Retried only when the failure proves nothing committed: the connection could not be opened, or the server
    /// answered with a transient error (<c>40001</c>, <c>40P01</c>, <c>57P01</c>, <c>53300</c>). An I/O error after
    /// the command was sent leaves the outcome unknown and is thrown; use <see cref="EnqueueOptions.DedupKey"/> to make
    /// a repeat of your own safe.
    /// </remarks>
    /// <param name="batchId">The batch id: 1–64 characters of <c>A-Z a-z 0-9 . _ : -</c>.</param>
    /// <param name="payloadJson">
    /// The payload as JSON text, stored as <c>jsonb</c>. A string is always taken as JSON text: to enqueue a JSON string
    /// value, pass it serialized (<c>"\"text\""</c>).
    /// </param>
    /// <param name="options">Task type, dedup key, run-after and max attempts; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task's id, or with a dedup key the id of the pending task that has it.</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid, e.g. the payload is too large (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed, including invalid JSON (<c>22P02</c>).</exception>
    public Task<long> EnqueueAsync(string batchId, string payloadJson, EnqueueOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync("enqueue", retryOnlyUnsent: true,
            (connection, ct) => EnqueueCoreAsync(connection, null, batchId, payloadJson, options, ct), cancellationToken);

    /// <summary>
    /// Appends a task whose payload is <paramref name="payload"/> serialized with
    /// <see cref="PgQueueClientOptions.SerializerOptions"/> (a <see cref="JsonElement"/> is written as it is).
    /// Retried like <see cref="EnqueueAsync(string, string, EnqueueOptions?, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TPayload">The payload type.</typeparam>
    /// <param name="batchId">The batch id.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Task type, dedup key, run-after and max attempts; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task's id, or with a dedup key the id of the pending task that has it.</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NotSupportedException">The payload type cannot be serialized.</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task<long> EnqueueAsync<TPayload>(string batchId, TPayload payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default) =>
        EnqueueAsync(batchId, Serialize(payload), options, cancellationToken);

    /// <summary>
    /// Appends a task inside the caller's transaction, so it becomes visible only if that transaction commits.
    /// Never retried. Other producers of the same batch wait until the transaction ends.
    /// </summary>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="batchId">The batch id.</param>
    /// <param name="payloadJson">The payload as JSON text.</param>
    /// <param name="options">Task type, dedup key, run-after and max attempts; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task's id, or with a dedup key the id of the pending task that has it.</returns>
    /// <exception cref="ArgumentException">The transaction is already completed.</exception>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task<long> EnqueueAsync(NpgsqlTransaction transaction, string batchId, string payloadJson, EnqueueOptions? options = null, CancellationToken cancellationToken = default) =>
        EnqueueCoreAsync(ConnectionOf(transaction), transaction, batchId, payloadJson, options, cancellationToken);

    /// <summary>Appends a task with a serialized payload inside the caller's transaction. Never retried.</summary>
    /// <typeparam name="TPayload">The payload type.</typeparam>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="batchId">The batch id.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Task type, dedup key, run-after and max attempts; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task's id, or with a dedup key the id of the pending task that has it.</returns>
    /// <exception cref="ArgumentException">The transaction is already completed.</exception>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NotSupportedException">The payload type cannot be serialized.</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task<long> EnqueueAsync<TPayload>(NpgsqlTransaction transaction, string batchId, TPayload payload, EnqueueOptions? options = null, CancellationToken cancellationToken = default) =>
        EnqueueAsync(transaction, batchId, Serialize(payload), options, cancellationToken);

    /// <summary>
    /// Appends many tasks to a batch in one statement (<c>pgqueue.enqueue_many</c>), in the order given.
    /// Retried like <see cref="EnqueueAsync(string, string, EnqueueOptions?, CancellationToken)"/>: only when the
    /// failure proves nothing committed.
    /// </summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="payloadsJson">The payloads as JSON text.</param>
    /// <param name="taskType">The task type of every task, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task ids, in the order of the payloads.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="payloadsJson"/> is null.</exception>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task<IReadOnlyList<long>> EnqueueManyAsync(string batchId, IEnumerable<string> payloadsJson, string? taskType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloadsJson);
        var payloads = payloadsJson.ToArray();
        return ExecuteAsync("enqueue_many", retryOnlyUnsent: true,
            (connection, ct) => EnqueueManyCoreAsync(connection, null, batchId, payloads, taskType, ct), cancellationToken);
    }

    /// <summary>Appends many tasks with serialized payloads in one statement. Retried only when nothing committed.</summary>
    /// <typeparam name="TPayload">The payload type.</typeparam>
    /// <param name="batchId">The batch id.</param>
    /// <param name="payloads">The payloads.</param>
    /// <param name="taskType">The task type of every task, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task ids, in the order of the payloads.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="payloads"/> is null.</exception>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NotSupportedException">The payload type cannot be serialized.</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task<IReadOnlyList<long>> EnqueueManyAsync<TPayload>(string batchId, IEnumerable<TPayload> payloads, string? taskType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        return EnqueueManyAsync(batchId, payloads.Select(Serialize), taskType, cancellationToken);
    }

    /// <summary>Appends many tasks inside the caller's transaction. Never retried.</summary>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="batchId">The batch id.</param>
    /// <param name="payloadsJson">The payloads as JSON text.</param>
    /// <param name="taskType">The task type of every task, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task ids, in the order of the payloads.</returns>
    /// <exception cref="ArgumentException">The transaction is already completed.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="payloadsJson"/> is null.</exception>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task<IReadOnlyList<long>> EnqueueManyAsync(NpgsqlTransaction transaction, string batchId, IEnumerable<string> payloadsJson, string? taskType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloadsJson);
        return EnqueueManyCoreAsync(ConnectionOf(transaction), transaction, batchId, payloadsJson.ToArray(), taskType, cancellationToken);
    }

    /// <summary>Appends many tasks with serialized payloads inside the caller's transaction. Never retried.</summary>
    /// <typeparam name="TPayload">The payload type.</typeparam>
    /// <param name="transaction">The caller's open transaction.</param>
    /// <param name="batchId">The batch id.</param>
    /// <param name="payloads">The payloads.</param>
    /// <param name="taskType">The task type of every task, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new task ids, in the order of the payloads.</returns>
    /// <exception cref="ArgumentException">The transaction is already completed.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="payloads"/> is null.</exception>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NotSupportedException">The payload type cannot be serialized.</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task<IReadOnlyList<long>> EnqueueManyAsync<TPayload>(NpgsqlTransaction transaction, string batchId, IEnumerable<TPayload> payloads, string? taskType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        return EnqueueManyAsync(transaction, batchId, payloads.Select(Serialize), taskType, cancellationToken);
    }

    /// <summary>
    /// Leases one runnable batch (<c>pgqueue.claim_batch</c>): the preferred batch if it qualifies, otherwise the batch
    /// whose head task has waited longest. Retried after transient errors; a claim whose answer was lost holds its
    /// batch until that lease expires.
    /// </summary>
    /// <param name="workerId">Who claims, as shown in <c>batch_status</c>.</param>
    /// <param name="preferredBatchId">A batch to take first if it is claimable, or <see langword="null"/>.</param>
    /// <param name="lease">The lease length, or <see langword="null"/> for the database setting (5 minutes by default).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The lease, or <see langword="null"/> when there is nothing to do. Dispose it to release the batch.</returns>
    /// <exception cref="InvalidBatchIdException">The preferred batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">The worker id is empty or the lease is not positive (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<BatchLease?> ClaimBatchAsync(string workerId, string? preferredBatchId = null, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("claim_batch", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(
                Command(connection, null, ClaimBatchSql, Text(workerId), Text(preferredBatchId), Interval(lease)),
                static row => (BatchId: row.GetString(0), LeaseToken: row.GetInt64(1),
                    ExpiresAt: row.GetFieldValue<DateTimeOffset>(2), Remaining: row.GetFieldValue<TimeSpan>(3)),
                ct),
            cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return null;
        }

        var claimed = rows[0];
        Log.BatchClaimed(_logger, workerId, claimed.BatchId, claimed.LeaseToken, claimed.ExpiresAt);
        return new BatchLease(this, workerId, claimed.BatchId, claimed.LeaseToken, claimed.ExpiresAt, claimed.Remaining, _logger);
    }

    /// <summary>
    /// Returns the batch's head task if it is runnable now (<c>pgqueue.dequeue_task</c>), row-locked in
    /// <paramref name="transaction"/> until it ends. Never retried.
    /// </summary>
    /// <param name="transaction">The task's transaction; complete the task and commit in it.</param>
    /// <param name="batchId">The leased batch.</param>
    /// <param name="leaseToken">The lease token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The head task, or <see langword="null"/> when the batch is empty or its head is locked or delayed.</returns>
    /// <exception cref="ArgumentException">The transaction is already completed.</exception>
    /// <exception cref="LeaseLostException">The lease is not held (<c>PQ001</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public async Task<DequeuedTask?> DequeueTaskAsync(NpgsqlTransaction transaction, string batchId, long leaseToken, CancellationToken cancellationToken = default)
    {
        var rows = await QueryAsync(
            Command(ConnectionOf(transaction), transaction, DequeueTaskSql, Text(batchId), Bigint(leaseToken)),
            ReadDequeuedTask,
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Deletes the task (<c>pgqueue.complete_task</c>) in the transaction that dequeued it; the deletion takes effect
    /// when the caller commits. Never retried.
    /// </summary>
    /// <param name="transaction">The task's transaction.</param>
    /// <param name="taskId">The task id.</param>
    /// <param name="leaseToken">The lease token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the function has run.</returns>
    /// <exception cref="ArgumentException">The transaction is already completed.</exception>
    /// <exception cref="LeaseLostException">The lease is not held (<c>PQ001</c>): roll back.</exception>
    /// <exception cref="NotHeadTaskException">The task is not the lease's head task (<c>PQ003</c>): roll back and go on.</exception>
    /// <exception cref="NpgsqlException">The database failed.</exception>
    public Task CompleteTaskAsync(NpgsqlTransaction transaction, long taskId, long leaseToken, CancellationToken cancellationToken = default) =>
        QueryAsync(Command(ConnectionOf(transaction), transaction, CompleteTaskSql, Bigint(taskId), Bigint(leaseToken)),
            static _ => 0, cancellationToken);

    /// <summary>
    /// Completes a task, commits, and in the same round trip opens the next transaction on the same connection and
    /// dequeues the batch's next head task in it: <c>complete_task; COMMIT; BEGIN; dequeue_task</c> as one
    /// <see cref="NpgsqlBatch"/> (one Sync, so the server skips the rest after an error). The worker's hot path.
    /// <paramref name="transaction"/> stays the transaction object of the new transaction (Npgsql follows the
    /// server's transaction status). Not cancellable: the work is done, finishing it is cheaper than redoing it.
    /// </summary>
    /// <returns>
    /// Once committed: the next task (or null when there is none runnable now), or the error that opening or dequeuing
    /// it raised (a <see cref="PgQueueException"/> for contract errors); the new transaction is then aborted.
    /// </returns>
    /// <exception cref="LeaseLostException"><c>complete_task</c> raised <c>PQ001</c>: nothing committed, roll back.</exception>
    /// <exception cref="NotHeadTaskException"><c>complete_task</c> raised <c>PQ003</c>: nothing committed, roll back.</exception>
    /// <exception cref="NpgsqlException">The commit failed, or the connection broke (whether it committed is unknown).</exception>
    internal async Task<(DequeuedTask? Next, Exception? NextError)> CompleteAndDequeueNextAsync(NpgsqlTransaction transaction, long taskId, string batchId, long leaseToken)
    {
        var batch = new NpgsqlBatch(ConnectionOf(transaction), transaction);
        await using (batch.ConfigureAwait(false))
        {
            batch.BatchCommands.Add(BatchCommand(CompleteTaskSql, Bigint(taskId), Bigint(leaseToken)));
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(BeginReadCommittedSql));
            batch.BatchCommands.Add(BatchCommand(DequeueTaskSql, Text(batchId), Bigint(leaseToken)));
            // Results arrive in order. The reader starts on complete_task's (empty) result; NextResult passes COMMIT
            // and BEGIN, which have no result set, and stops on dequeue_task's. An error names its batch command.
            try
            {
                var reader = await batch.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.NextResultAsync(CancellationToken.None).ConfigureAwait(false))
                    {
                        throw new InvalidOperationException("pgqueue.dequeue_task returned no result set.");
                    }

                    DequeuedTask? next = null;
                    while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                    {
                        next = ReadDequeuedTask(reader);
                    }

                    return (next, null);
                }
            }
            catch (PostgresException exception)
            {
                // Failing after COMMIT (BEGIN or dequeue_task) leaves the task committed and the new transaction aborted.
                var failedAt = exception.BatchCommand is { } failed ? batch.BatchCommands.IndexOf(failed) : -1;
                if (failedAt >= 2)
                {
                    return (null, PgQueueException.IsContractError(exception) ? PgQueueException.FromPostgres(exception) : exception);
                }

                if (PgQueueException.IsContractError(exception))
                {
                    throw PgQueueException.FromPostgres(exception);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Records a failed attempt (<c>pgqueue.fail_task</c>) in its own transaction; call it after rolling back the
    /// task's transaction. Retried after transient errors (a repeat whose first try committed charges one more attempt).
    /// </summary>
    /// <param name="taskId">The task id.</param>
    /// <param name="leaseToken">The lease token.</param>
    /// <param name="error">What went wrong, kept with the task and shown in <c>failed_tasks</c>.</param>
    /// <param name="retryAfter">How long to wait before the retry, or <see langword="null"/> for exponential backoff with jitter.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see cref="FailTaskOutcome.Retry"/> if the task runs again, <see cref="FailTaskOutcome.Dead"/> if it moved to the dead tasks.</returns>
    /// <exception cref="LeaseLostException">The lease is not held (<c>PQ001</c>).</exception>
    /// <exception cref="NotHeadTaskException">The task is not the lease's head task (<c>PQ003</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<FailTaskOutcome> FailTaskAsync(long taskId, long leaseToken, string error, TimeSpan? retryAfter = null, CancellationToken cancellationToken = default)
    {
        var outcome = await ExecuteScalarAsync<string>("fail_task",
            FailTaskSql, [Bigint(taskId), Bigint(leaseToken), Text(error), Interval(retryAfter)], cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            "retry" => FailTaskOutcome.Retry,
            "dead" => FailTaskOutcome.Dead,
            _ => throw new InvalidOperationException($"pgqueue.fail_task returned '{outcome}', expected 'retry' or 'dead'."),
        };
    }

    /// <summary>Extends a lease (<c>pgqueue.renew_lease</c>), the heartbeat. Retried after transient errors.</summary>
    /// <param name="batchId">The leased batch.</param>
    /// <param name="leaseToken">The lease token.</param>
    /// <param name="lease">The new lease length from now, or <see langword="null"/> for the database setting.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new expiry.</returns>
    /// <exception cref="LeaseLostException">The lease is not held (<c>PQ001</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">The lease is not positive (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<DateTimeOffset> RenewLeaseAsync(string batchId, long leaseToken, TimeSpan? lease = null, CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<DateTimeOffset>("renew_lease",
            RenewLeaseSql, [Text(batchId), Bigint(leaseToken), Interval(lease)], cancellationToken);

    /// <summary>Gives a lease back (<c>pgqueue.release_batch</c>). Retried after transient errors.</summary>
    /// <param name="batchId">The leased batch.</param>
    /// <param name="leaseToken">The lease token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> if the lease was still held, <see langword="false"/> if it was already lost.</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<bool> ReleaseBatchAsync(string batchId, long leaseToken, CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<bool>("release_batch", ReleaseBatchSql, [Text(batchId), Bigint(leaseToken)], cancellationToken);

    /// <summary>
    /// Clears expired leases (<c>pgqueue.reap_stale_locks</c>), charging one attempt to each taken-over head task.
    /// Housekeeping: claims already treat expired leases as free. Retried after transient errors.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many leases were cleared.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<int> ReapStaleLocksAsync(CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<int>("reap_stale_locks", ReapStaleLocksSql, [], cancellationToken);

    /// <summary>
    /// Moves dead tasks back into their batches at their original place (<c>pgqueue.retry_dead_tasks</c>); with every
    /// argument null, all of them. Retried after transient errors.
    /// </summary>
    /// <param name="taskIds">Only these dead tasks, or <see langword="null"/> for any.</param>
    /// <param name="failedAfter">Only tasks that died after this moment, or <see langword="null"/>.</param>
    /// <param name="failedBefore">Only tasks that died before this moment, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many tasks were moved back.</returns>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<int> RetryDeadTasksAsync(IEnumerable<long>? taskIds = null, DateTimeOffset? failedAfter = null, DateTimeOffset? failedBefore = null, CancellationToken cancellationToken = default) =>
        ExecuteScalarAsync<int>("retry_dead_tasks", RetryDeadTasksSql,
            [Parameter(taskIds?.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint), Timestamp(failedAfter), Timestamp(failedBefore)],
            cancellationToken);

    /// <summary>
    /// Pauses a batch (<c>pgqueue.pause_batch</c>), creating it paused if unknown: it is not claimed until resumed.
    /// A worker already holding its lease may go on until it releases or loses it. Retried after transient errors.
    /// </summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the batch is paused.</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task PauseBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        ExecuteNonQueryAsync("pause_batch", PauseBatchSql, Text(batchId), cancellationToken);

    /// <summary>Resumes a paused batch (<c>pgqueue.resume_batch</c>). Retried after transient errors.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the batch is resumed.</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task ResumeBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        ExecuteNonQueryAsync("resume_batch", ResumeBatchSql, Text(batchId), cancellationToken);

    /// <summary>Reads one batch's row of the view <c>pgqueue.batch_status</c>. Retried after transient errors.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The batch's status, or <see langword="null"/> if the batch is unknown.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<BatchStatus?> GetBatchStatusAsync(string batchId, CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("batch_status", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, BatchStatusSql, Text(batchId)), ReadBatchStatus, ct),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Reads the totals of the view <c>pgqueue.queue_stats</c>. Retried after transient errors.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The totals.</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<QueueStats> GetQueueStatsAsync(CancellationToken cancellationToken = default)
    {
        var rows = await ExecuteAsync("queue_stats", retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, QueueStatsSql),
                static row => new QueueStats(
                    row.GetInt64(0),
                    row.GetInt64(1),
                    row.GetInt64(2),
                    row.GetInt64(3),
                    row.GetInt64(4),
                    row.GetInt64(5),
                    NullOr<TimeSpan>(row, 6)),
                ct),
            cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    /// <summary>Disposes the data source if the client created it (<see cref="Create"/>); otherwise does nothing.</summary>
    /// <returns>A task that completes when the data source is disposed.</returns>
    public ValueTask DisposeAsync() => _ownsDataSource ? DataSource.DisposeAsync() : default;

    // Runs a unit of work through the retry pipeline; the worker runs a whole task transaction this way.
    internal async Task<T> ExecuteWithRetryAsync<T>(string operation, Func<ResilienceContext, Task<T>> work, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(operation, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(async ctx => await work(ctx).ConfigureAwait(false), context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // One call on a pooled connection, repeated whole after a transient error. With retryOnlyUnsent, only while the
    // failure proves nothing committed (see TransientRetryPipeline.CommandSent).
    private Task<T> ExecuteAsync<T>(string operation, bool retryOnlyUnsent, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        ExecuteWithRetryAsync(operation, async context =>
        {
            context.Properties.Set(TransientRetryPipeline.CommandSent, false);
            var connection = await DataSource.OpenConnectionAsync(context.CancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                if (retryOnlyUnsent)
                {
                    context.Properties.Set(TransientRetryPipeline.CommandSent, true);
                }

                return await work(connection, context.CancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken);

    private async Task<T> ExecuteScalarAsync<T>(string operation, string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        var rows = await ExecuteAsync(operation, retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, sql, parameters), static row => row.GetFieldValue<T>(0), ct),
            cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    private Task ExecuteNonQueryAsync(string operation, string sql, NpgsqlParameter parameter, CancellationToken cancellationToken) =>
        ExecuteAsync(operation, retryOnlyUnsent: false,
            (connection, ct) => QueryAsync(Command(connection, null, sql, parameter), static _ => 0, ct),
            cancellationToken);

    private async Task<long> EnqueueCoreAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string batchId, string payloadJson, EnqueueOptions? options, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(
            Command(connection, transaction, EnqueueSql,
                Text(batchId),
                Parameter(payloadJson, NpgsqlDbType.Jsonb),
                Text(options?.TaskType),
                Text(options?.DedupKey),
                Timestamp(options?.RunAfter),
                Parameter(options?.MaxAttempts, NpgsqlDbType.Integer)),
            static row => row.GetInt64(0),
            cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    private static async Task<IReadOnlyList<long>> EnqueueManyCoreAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string batchId, string[] payloadsJson, string? taskType, CancellationToken cancellationToken) =>
        await QueryAsync(
            Command(connection, transaction, EnqueueManySql,
                Text(batchId),
                Parameter(payloadsJson, NpgsqlDbType.Array | NpgsqlDbType.Jsonb),
                Text(taskType)),
            static row => row.GetInt64(0),
            cancellationToken).ConfigureAwait(false);

    // Every statement runs here: the one place where PostgresException becomes PgQueueException.
    private static async Task<List<T>> QueryAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> readRow, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            try
            {
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var rows = new List<T>();
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        rows.Add(readRow(reader));
                    }

                    return rows;
                }
            }
            catch (PostgresException exception) when (PgQueueException.IsContractError(exception))
            {
                throw PgQueueException.FromPostgres(exception);
            }
        }
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static DequeuedTask ReadDequeuedTask(NpgsqlDataReader row) => new(
        row.GetInt64(0),
        row.IsDBNull(1) ? null : row.GetString(1),
        ParseJson(row.GetString(2)),
        row.GetInt32(3),
        row.GetFieldValue<DateTimeOffset>(4));

    private static NpgsqlConnection ConnectionOf(NpgsqlTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        return transaction.Connection ?? throw new ArgumentException("The transaction is already completed.", nameof(transaction));
    }

    private static NpgsqlParameter Parameter(object? value, NpgsqlDbType type) =>
        new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    private static NpgsqlParameter Text(string? value) => Parameter(value, NpgsqlDbType.Text);

    private static NpgsqlParameter Bigint(long value) => Parameter(value, NpgsqlDbType.Bigint);

    private static NpgsqlParameter Interval(TimeSpan? value) => Parameter(value, NpgsqlDbType.Interval);

    // Npgsql writes only UTC values to timestamptz.
    private static NpgsqlParameter Timestamp(DateTimeOffset? value) =>
        Parameter(value?.ToUniversalTime(), NpgsqlDbType.TimestampTz);

    private static T? NullOr<T>(NpgsqlDataReader row, int ordinal)
        where T : struct => row.IsDBNull(ordinal) ? null : row.GetFieldValue<T>(ordinal);

    private static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private string Serialize<TPayload>(TPayload payload) => JsonSerializer.Serialize(payload, SerializerOptions);
}
