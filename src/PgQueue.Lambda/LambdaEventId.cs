namespace PgQueue.Lambda;

/// <summary>
/// The stable event ids of the Lambda's own log lines (4000s; the client's are in <see cref="PgQueueEventId"/>).
/// An id never changes meaning.
/// </summary>
public static class LambdaEventId
{
    /// <summary>A task finished: completed, failed, dead or rolled back; with worker, batch, task id, attempt, duration.</summary>
    public const int TaskFinished = 4001;

    /// <summary>An invocation ended: its outcome, counts and duration (one line per invocation).</summary>
    public const int InvocationFinished = 4002;

    /// <summary>An invocation's input was invalid; nothing was claimed.</summary>
    public const int InvocationRejected = 4003;

    /// <summary>An invocation failed (e.g. the database was unreachable after the retries) and throws.</summary>
    public const int InvocationFailed = 4004;

    /// <summary>An environment variable is missing or invalid (one line each); the function does not start.</summary>
    public const int ConfigurationInvalid = 4005;

    /// <summary>The execution environment created its data source (its first invocation).</summary>
    public const int DataSourceCreated = 4006;

    /// <summary>API mode: a request to <c>/process-task</c> failed transiently (5xx, 408, 429, network, timeout) and is retried.</summary>
    public const int ApiRequestRetried = 4007;

    /// <summary>API mode: the invocation failed: the API refused the request or the retries ran out.</summary>
    public const int ApiRequestFailed = 4008;
}
