using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PgQueue.Hosting;

namespace PgQueue.Worker;

/// <summary>
/// The hosted service: <see cref="PgQueueWorkerHostOptions.Concurrency"/> batch loops plus one notification listener
/// and one schedule loop (recurring tasks).
/// Stopping cancels them; after the grace period, leases still held are released.
/// </summary>
internal sealed class PgQueueWorkerHost(
    PgQueueClient client,
    TaskHandlerRegistry handlers,
    IOptions<PgQueueWorkerHostOptions> options,
    PgQueueConnection connection,
    PgQueueWorkerHostStatus status,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    private readonly PgQueueWorkerHostOptions _options = options.Value;
    private readonly ILogger _logger = loggerFactory.CreateLogger<PgQueueWorkerHost>();
    private readonly ConcurrentDictionary<BatchLease, byte> _leases = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let StartAsync return: the loops run in the background from here on.
        await Task.Yield();
        var signal = new NewWorkSignal();
        var prefix = _options.EffectiveWorkerIdPrefix;
        var running = new List<Task>();
        if (_options.Listen)
        {
            var listenConnection = ListenConnection.For(_options.ListenConnectionString ?? connection.ConnectionString);
            var listener = new NotificationListener(listenConnection, signal, status, loggerFactory.CreateLogger<NotificationListener>());
            running.Add(listener.RunAsync(stoppingToken));
        }

        if (_options.EnqueueSchedules)
        {
            var schedules = new ScheduleLoop(client, _options, signal, status, loggerFactory.CreateLogger<ScheduleLoop>());
            running.Add(schedules.RunAsync(stoppingToken));
        }

        for (var i = 1; i <= _options.Concurrency; i++)
        {
            var worker = new PgQueueWorker(client, handlers, new PgQueueWorkerOptions
            {
                WorkerId = $"{prefix}/{i}",
                Lease = _options.Lease,
                MaxTasksPerClaim = _options.MaxTasksPerClaim,
                IdlePollInterval = _options.IdlePollInterval,
            });
            var loop = new BatchLoop(client, worker, _options, signal, status, _leases, reaps: i == 1, _logger);
            running.Add(loop.RunAsync(stoppingToken));
        }

        Log.HostStarted(_logger, prefix, _options.Concurrency, _options.Listen, _options.IdlePollInterval,
            _options.Lease?.ToString() ?? "database setting");
        await Task.WhenAll(running).ConfigureAwait(false);
        Log.HostStopped(_logger, prefix);
    }

    /// <summary>
    /// Cancels the loops (handlers see their token cancelled) and waits for them until the host's shutdown timeout,
    /// which is <see cref="PgQueueWorkerHostOptions.ShutdownGracePeriod"/>; then releases whatever leases are left.
    /// </summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        Log.HostStopping(_logger, _options.EffectiveWorkerIdPrefix, _options.ShutdownGracePeriod);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (ExecuteTask is { IsCompleted: false } && !_leases.IsEmpty)
        {
            // A handler that ignores its token outlived the grace period. Releasing its lease frees the batch now and
            // fences its commit (PQ001), so its task rolls back, uncharged, instead of completing after we said we stopped.
            Log.GracePeriodEnded(_logger, _options.EffectiveWorkerIdPrefix, _leases.Count);
            using var timeout = new CancellationTokenSource(ReleaseTimeout);
            await Task.WhenAll(_leases.Keys.Select(lease => ReleaseAsync(lease, timeout.Token))).ConfigureAwait(false);
        }
    }

    private async Task ReleaseAsync(BatchLease lease, CancellationToken cancellationToken)
    {
        try
        {
            await lease.ReleaseAsync(cancellationToken).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort at exit: a lease that cannot be released expires on its own.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
