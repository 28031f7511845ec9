using Microsoft.Extensions.Logging;

namespace PgQueue;

// Every PgQueue log message, with its stable id from PgQueueEventId.
internal static partial class Log
{
    [LoggerMessage(EventId = PgQueueEventId.BatchClaimed, Level = LogLevel.Information,
        Message = "Worker {WorkerId} claimed batch {BatchId} with lease token {LeaseToken} until {LeaseExpiresAt}")]
    public static partial void BatchClaimed(ILogger logger, string workerId, string batchId, long leaseToken, DateTimeOffset leaseExpiresAt);

    [LoggerMessage(EventId = PgQueueEventId.NothingToClaim, Level = LogLevel.Debug,
        Message = "Worker {WorkerId} found no batch to claim")]
    public static partial void NothingToClaim(ILogger logger, string workerId);

    [LoggerMessage(EventId = PgQueueEventId.LeaseRenewed, Level = LogLevel.Debug,
        Message = "Worker {WorkerId} renewed lease {LeaseToken} on batch {BatchId} until {LeaseExpiresAt}")]
    public static partial void LeaseRenewed(ILogger logger, string workerId, string batchId, long leaseToken, DateTimeOffset leaseExpiresAt);

    [LoggerMessage(EventId = PgQueueEventId.LeaseLost, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} lost lease {LeaseToken} on batch {BatchId}")]
    public static partial void LeaseLost(ILogger logger, string workerId, string batchId, long leaseToken);

    [LoggerMessage(EventId = PgQueueEventId.LeaseRenewFailed, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} could not renew lease {LeaseToken} on batch {BatchId}; trying again at the next heartbeat")]
    public static partial void LeaseRenewFailed(ILogger logger, string workerId, string batchId, long leaseToken, Exception exception);

    [LoggerMessage(EventId = PgQueueEventId.BatchReleased, Level = LogLevel.Information,
        Message = "Worker {WorkerId} released batch {BatchId} (lease {LeaseToken}, still held: {WasHeld})")]
    public static partial void BatchReleased(ILogger logger, string workerId, string batchId, long leaseToken, bool wasHeld);

    [LoggerMessage(EventId = PgQueueEventId.BatchReleaseFailed, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} could not release batch {BatchId} (lease {LeaseToken}); the lease will expire on its own")]
    public static partial void BatchReleaseFailed(ILogger logger, string workerId, string batchId, long leaseToken, Exception exception);

    [LoggerMessage(EventId = PgQueueEventId.DrainStopped, Level = LogLevel.Information,
        Message = "Worker {WorkerId} stopped draining batch {BatchId} (lease {LeaseToken}): {StopReason}; {TasksCompleted} completed, {TasksFailed} failed, {TasksDead} dead")]
    public static partial void DrainStopped(ILogger logger, string workerId, string batchId, long leaseToken, WorkerStopReason stopReason, int tasksCompleted, int tasksFailed, int tasksDead);

    [LoggerMessage(EventId = PgQueueEventId.TaskStarted, Level = LogLevel.Debug,
        Message = "Worker {WorkerId} started task {TaskId} of batch {BatchId} (lease {LeaseToken}), attempt {Attempt}")]
    public static partial void TaskStarted(ILogger logger, string workerId, string batchId, long taskId, long leaseToken, int attempt);

    [LoggerMessage(EventId = PgQueueEventId.TaskCompleted, Level = LogLevel.Information,
        Message = "Worker {WorkerId} completed task {TaskId} of batch {BatchId} (lease {LeaseToken}), attempt {Attempt}")]
    public static partial void TaskCompleted(ILogger logger, string workerId, string batchId, long taskId, long leaseToken, int attempt);

    [LoggerMessage(EventId = PgQueueEventId.TaskFailedWillRetry, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} failed task {TaskId} of batch {BatchId} (lease {LeaseToken}), attempt {Attempt}; it will be retried")]
    public static partial void TaskFailedWillRetry(ILogger logger, string workerId, string batchId, long taskId, long leaseToken, int attempt, Exception exception);

    [LoggerMessage(EventId = PgQueueEventId.TaskDead, Level = LogLevel.Error,
        Message = "Worker {WorkerId} failed task {TaskId} of batch {BatchId} (lease {LeaseToken}), attempt {Attempt}; it used up its attempts and is dead")]
    public static partial void TaskDead(ILogger logger, string workerId, string batchId, long taskId, long leaseToken, int attempt, Exception exception);

    [LoggerMessage(EventId = PgQueueEventId.TaskNotHead, Level = LogLevel.Information,
        Message = "Worker {WorkerId} rolled back task {TaskId} of batch {BatchId} (lease {LeaseToken}): a redriven task now comes first")]
    public static partial void TaskNotHead(ILogger logger, string workerId, string batchId, long? taskId, long leaseToken);

    [LoggerMessage(EventId = PgQueueEventId.TaskLeaseLost, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} rolled back task {TaskId} of batch {BatchId}: lease {LeaseToken} was lost")]
    public static partial void TaskLeaseLost(ILogger logger, string workerId, string batchId, long? taskId, long leaseToken);

    [LoggerMessage(EventId = PgQueueEventId.TaskCancelled, Level = LogLevel.Information,
        Message = "Worker {WorkerId} rolled back task {TaskId} of batch {BatchId} (lease {LeaseToken}): the worker was cancelled")]
    public static partial void TaskCancelled(ILogger logger, string workerId, string batchId, long? taskId, long leaseToken);

    [LoggerMessage(EventId = PgQueueEventId.TaskRollbackFailed, Level = LogLevel.Debug,
        Message = "Worker {WorkerId} could not roll back task {TaskId} of batch {BatchId}; closing the connection rolls it back")]
    public static partial void TaskRollbackFailed(ILogger logger, string workerId, string batchId, long taskId, Exception exception);

    [LoggerMessage(EventId = PgQueueEventId.RetryingTransientError, Level = LogLevel.Warning,
        Message = "Transient error in {Operation}; retry {Attempt} in {RetryDelay}")]
    public static partial void RetryingTransientError(ILogger logger, string operation, int attempt, TimeSpan retryDelay, Exception? exception);

    [LoggerMessage(EventId = PgQueueEventId.TaskTransientError, Level = LogLevel.Warning,
        Message = "Worker {WorkerId} rolled back task {TaskId} of batch {BatchId} (lease {LeaseToken}) after a transient error; no attempt charged")]
    public static partial void TaskTransientError(ILogger logger, string workerId, string batchId, long? taskId, long leaseToken, Exception exception);

    [LoggerMessage(EventId = PgQueueEventId.WorkerRoundFailed, Level = LogLevel.Error,
        Message = "Worker {WorkerId} failed a claim-drain-release round; trying again in {IdlePollInterval}")]
    public static partial void WorkerRoundFailed(ILogger logger, string workerId, TimeSpan idlePollInterval, Exception exception);
}
