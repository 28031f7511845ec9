using Microsoft.Extensions.Logging;

namespace PgQueue.Worker;

// Every log message of the worker host, with stable event ids in the 7000s (client 1000–3000, API 6000s, migrator 8000s).
internal static partial class Log
{
    [LoggerMessage(EventId = 7001, Level = LogLevel.Information,
        Message = "Worker host {WorkerIdPrefix} started {Concurrency} batch loops (listen: {Listen}, idle poll every {IdlePollInterval}, lease {Lease})")]
    public static partial void HostStarted(ILogger logger, string workerIdPrefix, int concurrency, bool listen, TimeSpan idlePollInterval, string lease);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information,
        Message = "Worker host {WorkerIdPrefix} is stopping: running handlers are cancelled, grace period {ShutdownGracePeriod}")]
    public static partial void HostStopping(ILogger logger, string workerIdPrefix, TimeSpan shutdownGracePeriod);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information,
        Message = "Worker host {WorkerIdPrefix} stopped")]
    public static partial void HostStopped(ILogger logger, string workerIdPrefix);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Warning,
        Message = "Worker host {WorkerIdPrefix}: the grace period ended with {LeasedBatches} batches still leased; releasing them, their running tasks will be rolled back")]
    public static partial void GracePeriodEnded(ILogger logger, string workerIdPrefix, int leasedBatches);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Information,
        Message = "Listening for new work on channel {Channel} (backend {ProcessId})")]
    public static partial void Listening(ILogger logger, string channel, int processId);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning,
        Message = "The listen connection failed; reconnecting in {RetryDelay} (loops keep polling meanwhile)")]
    public static partial void ListenFailed(ILogger logger, TimeSpan retryDelay, Exception exception);

    [LoggerMessage(EventId = 7012, Level = LogLevel.Debug,
        Message = "New work in batch {BatchId}: waking idle loops")]
    public static partial void NewWork(ILogger logger, string batchId);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Error,
        Message = "Batch loop {WorkerId} failed a round; it waits up to {IdlePollInterval} and claims again")]
    public static partial void LoopRoundFailed(ILogger logger, string workerId, TimeSpan idlePollInterval, Exception exception);

    [LoggerMessage(EventId = 7021, Level = LogLevel.Information,
        Message = "reap_stale_locks cleared {Cleared} expired leases (loop {WorkerId})")]
    public static partial void Reaped(ILogger logger, int cleared, string workerId);

    [LoggerMessage(EventId = 7022, Level = LogLevel.Warning,
        Message = "reap_stale_locks failed (loop {WorkerId}); trying again in {ReapEvery}")]
    public static partial void ReapFailed(ILogger logger, string workerId, TimeSpan reapEvery, Exception exception);

    [LoggerMessage(EventId = 7030, Level = LogLevel.Information,
        Message = "enqueue_due_schedules enqueued {ScheduledTasksEnqueued} tasks of due schedules; next run {NextRun}")]
    public static partial void SchedulesEnqueued(ILogger logger, int scheduledTasksEnqueued, DateTimeOffset? nextRun);

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning,
        Message = "enqueue_due_schedules failed; trying again in {SchedulePollInterval}")]
    public static partial void ScheduleRoundFailed(ILogger logger, TimeSpan schedulePollInterval, Exception exception);
}
