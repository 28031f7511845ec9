using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace PgQueue.Worker;

/// <summary>
/// One of the host's concurrent loops: claim a batch, drain it in order, release it; when there was nothing to do, wait
/// for a new-work signal or the poll timer, whichever comes first. The first loop also calls <c>reap_stale_locks</c>.
/// </summary>
internal sealed class BatchLoop(
    PgQueueClient client,
    PgQueueWorker worker,
    PgQueueWorkerHostOptions options,
    NewWorkSignal signal,
    PgQueueWorkerHostStatus status,
    ConcurrentDictionary<BatchLease, byte> leases,
    bool reaps,
    ILogger logger)
{
    private string WorkerId => worker.Options.WorkerId;

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var nextReap = Stopwatch.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            // Taken before claiming: a notification that arrives while the claim finds nothing still wakes this loop.
            var newWork = signal.NextPulse;
            var didWork = false;
            try
            {
                if (reaps && Stopwatch.GetTimestamp() >= nextReap)
                {
                    await ReapAsync(stoppingToken).ConfigureAwait(false);
                    nextReap = Stopwatch.GetTimestamp() + (long)(options.ReapEvery.TotalSeconds * Stopwatch.Frequency);
                }

                didWork = await ClaimAndDrainAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed round is logged; the loop lives on and tries again after the idle wait.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.LoopRoundFailed(logger, WorkerId, options.IdlePollInterval, exception);
            }

            if (!didWork)
            {
                await WaitForWorkAsync(newWork, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<bool> ClaimAndDrainAsync(CancellationToken stoppingToken)
    {
        var lease = await client.ClaimBatchAsync(WorkerId, null, options.Lease, stoppingToken).ConfigureAwait(false);
        if (lease is null)
        {
            return false;
        }

        leases.TryAdd(lease, 0);
        status.BatchLeased(true);
        try
        {
            // Disposing the lease releases it (not cancellable), also when draining was cancelled by a stop.
            await using (lease.ConfigureAwait(false))
            {
                var drain = await worker.DrainAsync(lease, null, stoppingToken).ConfigureAwait(false);
                return drain.TasksCompleted + drain.TasksFailed + drain.TasksDead > 0;
            }
        }
        finally
        {
            leases.TryRemove(lease, out _);
            status.BatchLeased(false);
        }
    }

    private async Task WaitForWorkAsync(Task newWork, CancellationToken stoppingToken)
    {
        status.LoopIdle(true);
        try
        {
            using var pollTimer = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var poll = Task.Delay(options.IdlePollInterval, pollTimer.Token);
            await Task.WhenAny(newWork, poll).ConfigureAwait(false);
            await pollTimer.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            status.LoopIdle(false);
        }
    }

    private async Task ReapAsync(CancellationToken stoppingToken)
    {
        try
        {
            var cleared = await client.ReapStaleLocksAsync(stoppingToken).ConfigureAwait(false);
            if (cleared > 0)
            {
                Log.Reaped(logger, cleared, WorkerId);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.ReapFailed(logger, WorkerId, options.ReapEvery, exception);
        }
    }
}
