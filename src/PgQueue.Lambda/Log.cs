using Microsoft.Extensions.Logging;

namespace PgQueue.Lambda;

// Every log message of the Lambda, with its stable id from LambdaEventId.
internal static partial class Log
{
    // The level follows the outcome: Information when completed, Warning when failed or rolled back, Error when dead.
    [LoggerMessage(EventId = LambdaEventId.TaskFinished, EventName = "TaskFinished",
        Message = "Task {TaskId} of batch {BatchId} {Outcome} on attempt {Attempt} in {DurationMs} ms (worker {WorkerId}, lease {LeaseToken}, type {TaskType})")]
    public static partial void TaskFinished(ILogger logger, LogLevel level, long taskId, string batchId, string outcome, int attempt, double durationMs, string workerId, long leaseToken, string? taskType, Exception? exception);

    [LoggerMessage(EventId = LambdaEventId.InvocationFinished, EventName = "InvocationFinished", Level = LogLevel.Information,
        Message = "Invocation {Invocation} of worker {WorkerId}: {Outcome}; {TasksCompleted} completed, {TasksFailed} failed, {TasksDead} dead; {Claims} claim(s): {Batches}; stopped: {StopReason}; {DurationMs} ms; {ScheduledTasksEnqueued} scheduled task(s) enqueued")]
    public static partial void InvocationFinished(ILogger logger, long invocation, string workerId, string outcome, int tasksCompleted, int tasksFailed, int tasksDead, int claims, IReadOnlyList<string> batches, string? stopReason, double durationMs, int scheduledTasksEnqueued);

    [LoggerMessage(EventId = LambdaEventId.InvocationRejected, EventName = "InvocationRejected", Level = LogLevel.Error,
        Message = "Invocation {Invocation} rejected its input, nothing claimed: {Error}")]
    public static partial void InvocationRejected(ILogger logger, long invocation, string error);

    [LoggerMessage(EventId = LambdaEventId.InvocationFailed, EventName = "InvocationFailed", Level = LogLevel.Error,
        Message = "Invocation {Invocation} of worker {WorkerId} failed after {TasksCompleted} completed, {TasksFailed} failed, {TasksDead} dead tasks; {DurationMs} ms")]
    public static partial void InvocationFailed(ILogger logger, long invocation, string workerId, int tasksCompleted, int tasksFailed, int tasksDead, double durationMs, Exception exception);

    [LoggerMessage(EventId = LambdaEventId.ConfigurationInvalid, EventName = "ConfigurationInvalid", Level = LogLevel.Critical,
        Message = "Invalid configuration: {Problem}")]
    public static partial void ConfigurationInvalid(ILogger logger, string problem);

    [LoggerMessage(EventId = LambdaEventId.DataSourceCreated, EventName = "DataSourceCreated", Level = LogLevel.Information,
        Message = "Worker {WorkerId} created its data source for {Host}:{Port}/{Database} (pool of at most {MaxPoolSize}, no reset on close)")]
    public static partial void DataSourceCreated(ILogger logger, string workerId, string? host, int port, string? database, int maxPoolSize);

    [LoggerMessage(EventId = LambdaEventId.ApiRequestRetried, EventName = "ApiRequestRetried", Level = LogLevel.Warning,
        Message = "Invocation {Invocation}: POST {Url} attempt {Attempt} failed ({Reason}); retrying in {DelayMs} ms")]
    public static partial void ApiRequestRetried(ILogger logger, long invocation, string url, int attempt, string reason, double delayMs);

    [LoggerMessage(EventId = LambdaEventId.ApiRequestFailed, EventName = "ApiRequestFailed", Level = LogLevel.Error,
        Message = "Invocation {Invocation} of worker {WorkerId} failed in API mode after {Attempts} request(s): {Error}; {DurationMs} ms")]
    public static partial void ApiRequestFailed(ILogger logger, long invocation, string workerId, int attempts, string error, double durationMs);
}
