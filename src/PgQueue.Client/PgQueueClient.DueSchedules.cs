using Npgsql;

namespace PgQueue;

// enqueue_due_schedules travelling with the statement a worker sends anyway, so that recurring tasks cost no round
// trip of their own: with claim_batch (the Lambda, POST /process-task), or with the read of the next run (the worker
// host's schedule loop).
public sealed partial class PgQueueClient
{
    private const string NextScheduleRunSql =
        "SELECT min(s.next_run), min(s.next_run) - clock_timestamp() FROM pgqueue.schedule_status AS s";

    /// <summary>
    /// Enqueues the tasks of every due schedule (<c>pgqueue.enqueue_due_schedules</c>) and then claims a batch
    /// (<c>pgqueue.claim_batch</c>), as two statements of one <see cref="NpgsqlBatch"/>: one round trip, one implicit
    /// transaction. The claim is a statement of its own, so it takes a new snapshot and sees the tasks just enqueued
    /// (its own transaction's writes): a schedule's task can be claimed by the very call that enqueued it. Both commit
    /// together; an error in either (e.g. an invalid preferred batch id) rolls both back. Retried after transient
    /// errors like <see cref="ClaimBatchAsync(string, string?, TimeSpan?, CancellationToken)"/> (a repeat finds the
    /// slots already taken).
    /// </summary>
    /// <param name="workerId">Who claims, as shown in <c>batch_status</c>.</param>
    /// <param name="preferredBatchId">A batch to take first if it is claimable, or <see langword="null"/>.</param>
    /// <param name="lease">The lease length, or <see langword="null"/> for the database setting.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The lease (null when there is nothing to do; dispose it to release the batch) and how many tasks were enqueued.</returns>
    /// <exception cref="InvalidBatchIdException">The preferred batch id is invalid (<c>PQ002</c>); nothing was enqueued.</exception>
    /// <exception cref="InvalidQueueArgumentException">The worker id is empty or the lease is not positive (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<ScheduledClaim> EnqueueDueSchedulesAndClaimBatchAsync(string workerId, string? preferredBatchId = null, TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        var (enqueued, claimed) = await ExecuteAsync("enqueue_due_schedules+claim_batch", retryOnlyUnsent: false,
            async (connection, ct) =>
            {
                var batch = new NpgsqlBatch(connection)
                {
                    BatchCommands =
                    {
                        new NpgsqlBatchCommand(EnqueueDueSchedulesSql),
                        BatchCommand(ClaimBatchSql, Text(workerId), Text(preferredBatchId), Interval(lease)),
                    },
                };
                return await ReadBatchAsync(batch, async reader =>
                {
                    await reader.ReadAsync(ct).ConfigureAwait(false);
                    var count = reader.GetInt32(0);
                    await reader.NextResultAsync(ct).ConfigureAwait(false);
                    (string BatchId, long LeaseToken, DateTimeOffset ExpiresAt, TimeSpan Remaining)? row = null;
                    if (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        row = (reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<TimeSpan>(3));
                    }

                    return (count, row);
                }, ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        if (claimed is not { } c)
        {
            return new ScheduledClaim(null, enqueued);
        }

        Log.BatchClaimed(_logger, workerId, c.BatchId, c.LeaseToken, c.ExpiresAt);
        return new ScheduledClaim(new BatchLease(this, workerId, c.BatchId, c.LeaseToken, c.ExpiresAt, c.Remaining, _logger), enqueued);
    }

    /// <summary>
    /// Enqueues the tasks of every due schedule (<c>pgqueue.enqueue_due_schedules</c>) and reads the earliest next run
    /// of all schedules afterwards (view <c>pgqueue.schedule_status</c>), as two statements of one
    /// <see cref="NpgsqlBatch"/>: one round trip. For a caller that sleeps until the next run, like the worker host.
    /// Retried after transient errors.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>How many tasks were enqueued, and when the next schedule is due (on the database's clock).</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public Task<DueSchedules> EnqueueDueSchedulesAndGetNextRunAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("enqueue_due_schedules+next_run", retryOnlyUnsent: false,
            (connection, ct) => ReadBatchAsync(
                new NpgsqlBatch(connection) { BatchCommands = { new NpgsqlBatchCommand(EnqueueDueSchedulesSql), new NpgsqlBatchCommand(NextScheduleRunSql) } },
                async reader =>
                {
                    await reader.ReadAsync(ct).ConfigureAwait(false);
                    var enqueued = reader.GetInt32(0);
                    await reader.NextResultAsync(ct).ConfigureAwait(false);
                    await reader.ReadAsync(ct).ConfigureAwait(false);
                    return new DueSchedules(enqueued, NullOr<DateTimeOffset>(reader, 0), NullOr<TimeSpan>(reader, 1));
                },
                ct),
            cancellationToken);

    // Like QueryAsync, for a batch: the one place its PostgresException becomes a PgQueueException.
    private static async Task<T> ReadBatchAsync<T>(NpgsqlBatch batch, Func<NpgsqlDataReader, Task<T>> read, CancellationToken cancellationToken)
    {
        await using (batch.ConfigureAwait(false))
        {
            try
            {
                var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await read(reader).ConfigureAwait(false);
                }
            }
            catch (PostgresException exception) when (PgQueueException.IsContractError(exception))
            {
                throw PgQueueException.FromPostgres(exception);
            }
        }
    }
}
