using Microsoft.Extensions.Logging;

namespace PgQueue;

// Renews a lease about every third of its length while a batch drains. Renewal goes through the client, so it uses a
// pooled connection, never the task's. Cancels LeaseLostToken when renewal answers PQ001. Disposing stops it after the
// renewal under way, if any, has finished, or after RenewalGrace if the database does not answer.
internal sealed class LeaseHeartbeat : IAsyncDisposable
{
    private static readonly TimeSpan ShortestInterval = TimeSpan.FromMilliseconds(100);

    // How long stopping waits for a renewal under way before cancelling it: a renewal takes a round trip, so only a
    // database that hangs makes stopping wait this long (and its statement is then surely still running, see BeatAsync).
    private static readonly TimeSpan RenewalGrace = TimeSpan.FromSeconds(5);

    private readonly BatchLease _lease;
    private readonly TimeSpan? _leaseLength;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _leaseLost = new();
    private readonly CancellationTokenSource _abandonRenewal = new();
    private readonly Task _beating;

    public LeaseHeartbeat(BatchLease lease, TimeSpan? leaseLength, ILogger logger)
    {
        _lease = lease;
        _leaseLength = leaseLength;
        _logger = logger;
        _beating = BeatAsync();
    }

    public CancellationToken LeaseLostToken => _leaseLost.Token;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _abandonRenewal.CancelAfter(RenewalGrace);
        await _beating.ConfigureAwait(false);
        _stopping.Dispose();
        _leaseLost.Dispose();
        _abandonRenewal.Dispose();
    }

    private async Task BeatAsync()
    {
        while (true)
        {
            try
            {
                var interval = _lease.Length / 3;
                await Task.Delay(interval > ShortestInterval ? interval : ShortestInterval, _stopping.Token).ConfigureAwait(false);
                // Stopping interrupts the wait, not a renewal under way (unless the database hangs past RenewalGrace):
                // cancelling a statement sends PostgreSQL a cancel request on a side connection, and one that lands
                // after the statement has finished cancels whatever the pooled connection runs next (seen as a claim
                // failing with 57014 after a drain).
                var expiresAt = await _lease.RenewAsync(_leaseLength, _abandonRenewal.Token).ConfigureAwait(false);
                Log.LeaseRenewed(_logger, _lease.WorkerId, _lease.BatchId, _lease.LeaseToken, expiresAt);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (LeaseLostException)
            {
                Log.LeaseLost(_logger, _lease.WorkerId, _lease.BatchId, _lease.LeaseToken);
                await _leaseLost.CancelAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception exception)
            {
                Log.LeaseRenewFailed(_logger, _lease.WorkerId, _lease.BatchId, _lease.LeaseToken, exception);
            }
        }
    }
}
