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
}
