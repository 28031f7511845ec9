namespace PgQueue.Api;

// Every log message of the HTTP API, with stable event ids in the 6000s (the client uses 1000–3000, the migrator 8000s).
internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information,
        Message = "API keys configured: {ProducerKeys} producer, {WorkerKeys} worker, {AdminKeys} admin")]
    public static partial void ApiKeysConfigured(ILogger logger, int producerKeys, int workerKeys, int adminKeys);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning,
        Message = "No API keys are configured ({Section}): every endpoint but /healthz answers 401 until one is")]
    public static partial void NoApiKeys(ILogger logger, string section);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information,
        Message = "Rejected unknown API key {KeyFingerprint} on {Method} {Path}")]
    public static partial void UnknownApiKey(ILogger logger, string keyFingerprint, string method, PathString path);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information,
        Message = "Enqueued task {TaskId} in batch {BatchId} (duplicate: {Duplicate})")]
    public static partial void TaskEnqueued(ILogger logger, long taskId, string batchId, bool duplicate);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Information,
        Message = "Enqueued {TaskCount} tasks in batch {BatchId}")]
    public static partial void TasksEnqueued(ILogger logger, int taskCount, string batchId);

    [LoggerMessage(EventId = 6020, Level = LogLevel.Information, Message = "Paused batch {BatchId}")]
    public static partial void BatchPaused(ILogger logger, string batchId);

    [LoggerMessage(EventId = 6021, Level = LogLevel.Information, Message = "Resumed batch {BatchId}")]
    public static partial void BatchResumed(ILogger logger, string batchId);

    [LoggerMessage(EventId = 6030, Level = LogLevel.Information,
        Message = "Redrove {Moved} dead tasks (task ids given: {TaskIdCount}, failed after: {FailedAfter}, failed before: {FailedBefore})")]
    public static partial void DeadTasksRetried(ILogger logger, int moved, int? taskIdCount, DateTimeOffset? failedAfter, DateTimeOffset? failedBefore);

    [LoggerMessage(EventId = 6040, Level = LogLevel.Information,
        Message = "Worker {WorkerId} ran {TaskCount} tasks of batch {BatchId} and stopped: {StopReason}")]
    public static partial void ProcessedTasks(ILogger logger, string workerId, string? batchId, int taskCount, WorkerStopReason stopReason);

    [LoggerMessage(EventId = 6050, Level = LogLevel.Warning,
        Message = "Health check failed (database reachable: {Reachable})")]
    public static partial void HealthCheckFailed(ILogger logger, bool reachable, Exception exception);

    [LoggerMessage(EventId = 6051, Level = LogLevel.Warning,
        Message = "Health check: {PendingCount} migrations pending ({PendingMigrations}); run pgqueue migrate")]
    public static partial void MigrationsPending(ILogger logger, int pendingCount, string pendingMigrations);

    [LoggerMessage(EventId = 6060, Level = LogLevel.Information,
        Message = "Rejected {Method} {Path} with {StatusCode}: {Detail}")]
    public static partial void RequestRejected(ILogger logger, string method, PathString path, int statusCode, string detail);

    [LoggerMessage(EventId = 6061, Level = LogLevel.Error,
        Message = "{Method} {Path} failed with {StatusCode}")]
    public static partial void RequestFailed(ILogger logger, string method, PathString path, int statusCode, Exception exception);

    [LoggerMessage(EventId = 6062, Level = LogLevel.Debug,
        Message = "{Method} {Path} was abandoned by its caller; its work was rolled back")]
    public static partial void RequestAborted(ILogger logger, string method, PathString path);

    [LoggerMessage(EventId = 6070, Level = LogLevel.Information,
        Message = "Set schedule {ScheduleName} for batch {BatchId} (every {Every}, cron {Cron}, zone {TimeZone}): next run {NextRun}")]
    public static partial void ScheduleSet(ILogger logger, string scheduleName, string batchId, TimeSpan? every, string? cron, string timeZone, DateTimeOffset nextRun);

    [LoggerMessage(EventId = 6071, Level = LogLevel.Information, Message = "Dropped schedule {ScheduleName}")]
    public static partial void ScheduleDropped(ILogger logger, string scheduleName);

    [LoggerMessage(EventId = 6072, Level = LogLevel.Information, Message = "Enqueued {TaskCount} tasks of due schedules")]
    public static partial void DueSchedulesEnqueued(ILogger logger, int taskCount);

    [LoggerMessage(EventId = 6080, Level = LogLevel.Information, Message = "Set the priority of batch {BatchId} to {Priority}")]
    public static partial void BatchPrioritySet(ILogger logger, string batchId, int priority);

    [LoggerMessage(EventId = 6090, Level = LogLevel.Information,
        Message = "Enqueued task {TaskId} as a rerun of {State} task {OriginalTaskId} in batch {BatchId}")]
    public static partial void TaskRerun(ILogger logger, long taskId, long originalTaskId, string state, string batchId);
}
