using System.Data;
using Npgsql;

namespace PgQueue;

// enqueue() returns the pending task's id on a dedup hit without saying it was one. The client tells the two apart
// through the view pending_tasks, in the enqueue's own transaction, without touching the contract.
public sealed partial class PgQueueClient
{
    private const string PendingDedupKeySql =
        "SELECT p.task_id FROM pgqueue.pending_tasks AS p WHERE p.batch_id = $1::text AND p.dedup_key = $2::text";

    // enqueued_at defaults to now(), the start of the inserting transaction: equal to ours only for the row we inserted.
    private const string InsertedByThisTransactionSql =
        "SELECT p.enqueued_at = now() FROM pgqueue.pending_tasks AS p WHERE p.task_id = $1::bigint";

    /// <summary>
    /// Appends a task like <see cref="EnqueueAsync(string, string, EnqueueOptions?, CancellationToken)"/>, and says
    /// whether a pending task of the batch already had <see cref="EnqueueOptions.DedupKey"/> (then nothing was inserted).
    /// Retried like <c>EnqueueAsync</c>: only when the failure proves nothing committed.
    /// </summary>
    /// <remarks>
    /// With a dedup key, the enqueue runs in a read-committed transaction between two reads of the view
    /// <c>pgqueue.pending_tasks</c> (granted to <c>pgqueue_admin</c>): the pending task with the key before the call,
    /// and whether the returned task was inserted by this transaction (its <c>enqueued_at</c> is the transaction's
    /// <c>now()</c>). The second read decides when another producer inserted the key between the first read and the
    /// enqueue. Without a dedup key there is nothing to detect: one plain <c>enqueue</c> call, and no view is read.
    /// </remarks>
    /// <param name="batchId">The batch id: 1–64 characters of <c>A-Z a-z 0-9 . _ : -</c>.</param>
    /// <param name="payloadJson">The payload as JSON text, stored as <c>jsonb</c>.</param>
    /// <param name="options">Task type, dedup key, run-after and max attempts; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The task id, and whether it is an existing task's (a dedup hit).</returns>
    /// <exception cref="InvalidBatchIdException">The batch id is invalid (<c>PQ002</c>).</exception>
    /// <exception cref="InvalidQueueArgumentException">An argument is invalid, e.g. the payload is too large (<c>PQ004</c>).</exception>
    /// <exception cref="NpgsqlException">The database failed, including invalid JSON (<c>22P02</c>) or no right to read the view.</exception>
    public async Task<EnqueueOutcome> EnqueueReportingDuplicateAsync(string batchId, string payloadJson, EnqueueOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (options?.DedupKey is null)
        {
            return new EnqueueOutcome(await EnqueueAsync(batchId, payloadJson, options, cancellationToken).ConfigureAwait(false), Duplicate: false);
        }

        return await ExecuteAsync("enqueue", retryOnlyUnsent: true, async (connection, ct) =>
        {
            // Read committed on purpose: under a snapshot older than enqueue's producer lock, its dedup check could
            // miss a key committed meanwhile.
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var before = await QueryAsync(
                    Command(connection, transaction, PendingDedupKeySql, Text(batchId), Text(options.DedupKey)),
                    static row => row.GetInt64(0), ct).ConfigureAwait(false);
                var taskId = await EnqueueCoreAsync(connection, transaction, batchId, payloadJson, options, ct).ConfigureAwait(false);
                var inserted = await QueryAsync(
                    Command(connection, transaction, InsertedByThisTransactionSql, Bigint(taskId)),
                    static row => row.GetBoolean(0), ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                var duplicate = before.Contains(taskId) || inserted is not [true];
                return new EnqueueOutcome(taskId, duplicate);
            }
        }, cancellationToken).ConfigureAwait(false);
    }
}
