using Microsoft.Extensions.Logging;

namespace PgQueue;

/// <summary>
/// A lease on one batch, returned by <see cref="PgQueueClient.ClaimBatchAsync"/>. While it is held, this worker alone
/// may dequeue and complete the batch's tasks. Dispose it to give the batch back.
/// </summary>
/// <remarks>Thread-safe: a heartbeat may renew it while a task runs.</remarks>
public sealed class BatchLease : IAsyncDisposable
{
    private const int Held = 0;
    private const int Released = 1;
    private const int Lost = 2;

    private readonly PgQueueClient _client;
    private readonly ILogger _logger;
    private long _expiresAtUtcTicks;
    private long _lengthTicks;
    private int _state = Held;

    internal BatchLease(PgQueueClient client, string workerId, string batchId, long leaseToken, DateTimeOffset expiresAt, TimeSpan length, ILogger logger)
    {
        _client = client;
        _logger = logger;
        WorkerId = workerId;
        BatchId = batchId;
        LeaseToken = leaseToken;
        _expiresAtUtcTicks = expiresAt.UtcTicks;
        _lengthTicks = length.Ticks;
    }

    /// <summary>The worker that claimed the batch.</summary>
    public string WorkerId { get; }

    /// <summary>The leased batch.</summary>
    public string BatchId { get; }

    /// <summary>The lease token: every call on the batch's tasks carries it, and it fences off older owners.</summary>
    public long LeaseToken { get; }

    /// <summary>When the lease expires on the database's clock, as of the claim or the last renewal.</summary>
    public DateTimeOffset ExpiresAt => new(Volatile.Read(ref _expiresAtUtcTicks), TimeSpan.Zero);

    /// <summary>
    /// <see langword="false"/> once the lease was released or a call answered that it is lost (<c>PQ001</c>);
    /// <see langword="true"/> does not prove the lease has not expired since.
    /// </summary>
    public bool IsHeld => Volatile.Read(ref _state) == Held;

    // About how long the lease lasts from a claim or renewal, measured on the database's clock.
    internal TimeSpan Length => new(Volatile.Read(ref _lengthTicks));

    /// <summary>Extends the lease (<c>pgqueue.renew_lease</c>). Retried after transient errors.</summary>
    /// <param name="lease">The new lease length from now, or <see langword="null"/> for the database setting.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new expiry.</returns>
    /// <exception cref="LeaseLostException">The lease is not held (<c>PQ001</c>); <see cref="IsHeld"/> becomes false.</exception>
    /// <exception cref="InvalidQueueArgumentException">The lease is not positive (<c>PQ004</c>).</exception>
    /// <exception cref="Npgsql.NpgsqlException">The database failed after the retries.</exception>
    public async Task<DateTimeOffset> RenewAsync(TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var expiresAt = await _client.RenewLeaseAsync(BatchId, LeaseToken, lease, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _expiresAtUtcTicks, expiresAt.UtcTicks);
            if (lease is { } length)
            {
                Volatile.Write(ref _lengthTicks, length.Ticks);
            }

            return expiresAt;
        }
        catch (LeaseLostException)
        {
            MarkLost();
            throw;
        }
    }

    /// <summary>
    /// Gives the lease back (<c>pgqueue.release_batch</c>) so another worker can claim the batch at once. Only the first
    /// call reaches the database. Retried after transient errors.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <see langword="true"/> if the lease was still held; <see langword="false"/> if it was already lost or released.
    /// </returns>
    /// <exception cref="Npgsql.NpgsqlException">The database failed after the retries; the lease expires on its own.</exception>
    public async Task<bool> ReleaseAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, Released, Held) != Held)
        {
            return false;
        }

        var wasHeld = await _client.ReleaseBatchAsync(BatchId, LeaseToken, cancellationToken).ConfigureAwait(false);
        Log.BatchReleased(_logger, WorkerId, BatchId, LeaseToken, wasHeld);
        return wasHeld;
    }

    /// <summary>Releases the lease if it is still held. Never throws: a failure is logged and the lease expires on its own.</summary>
    /// <returns>A task that completes when the lease is released.</returns>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await ReleaseAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.BatchReleaseFailed(_logger, WorkerId, BatchId, LeaseToken, exception);
        }
    }

    internal void MarkLost() => Interlocked.CompareExchange(ref _state, Lost, Held);
}
