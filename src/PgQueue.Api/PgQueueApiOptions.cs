namespace PgQueue.Api;

/// <summary>The HTTP API's settings, bound from the configuration section <c>PgQueue:Api</c>.</summary>
public sealed class PgQueueApiOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "PgQueue:Api";

    /// <summary>
    /// The largest request body accepted, in bytes; a larger one is answered 413 before it is read. The database's own
    /// payload limit (1 MiB by default) still applies to each task.
    /// </summary>
    /// <value>The default value is 1 MiB + 64 KiB (1,114,112): one task at the default payload limit, plus its envelope.</value>
    public long MaxRequestBodyBytes { get; set; } = (1024 * 1024) + (64 * 1024);

    /// <summary>How many tasks one <c>POST /tasks/bulk</c> may enqueue.</summary>
    /// <value>The default value is 1000.</value>
    public int MaxBulkTasks { get; set; } = 1000;

    /// <summary>The largest <c>limit</c> of the list endpoints (<c>GET /tasks</c>, <c>/dead-tasks</c>, <c>/batches</c>).</summary>
    /// <value>The default value is 1000; without a <c>limit</c>, lists return 100 rows.</value>
    public int MaxListLimit { get; set; } = 1000;

    /// <summary>
    /// How many tasks one <c>POST /process-task</c> may run before it releases the batch: 1 runs the head task only,
    /// more drains the batch within <see cref="ProcessTaskTimeBudget"/>.
    /// </summary>
    /// <value>The default value is 1.</value>
    public int ProcessTaskMaxTasks { get; set; } = 1;

    /// <summary>
    /// How long one <c>POST /process-task</c> may take, claim included: no task starts that, judged by the longest task
    /// of the request so far, would end after it. Keep it below the HTTP client's and any proxy's timeout.
    /// </summary>
    /// <value>The default value is 25 seconds.</value>
    public TimeSpan ProcessTaskTimeBudget { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>The lease asked for by <c>POST /process-task</c>, or <see langword="null"/> for the database setting.</summary>
    /// <value>The default value is <see langword="null"/> (5 minutes unless a DBA changed it).</value>
    public TimeSpan? ProcessTaskLease { get; set; }

    /// <summary>Whether the demo handler <c>demo.sleep</c> is registered (see <c>Handlers/DemoSleepHandler.cs</c>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool DemoHandlers { get; set; } = true;

    /// <summary>How long <c>GET /healthz</c> waits for the database before it answers 503.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal IEnumerable<string> Validate()
    {
        if (MaxRequestBodyBytes < 1024)
        {
            yield return $"{Section}:{nameof(MaxRequestBodyBytes)} must be at least 1024, got {MaxRequestBodyBytes}";
        }

        if (MaxBulkTasks < 1)
        {
            yield return $"{Section}:{nameof(MaxBulkTasks)} must be at least 1, got {MaxBulkTasks}";
        }

        if (MaxListLimit < 1)
        {
            yield return $"{Section}:{nameof(MaxListLimit)} must be at least 1, got {MaxListLimit}";
        }

        if (ProcessTaskMaxTasks < 1)
        {
            yield return $"{Section}:{nameof(ProcessTaskMaxTasks)} must be at least 1, got {ProcessTaskMaxTasks}";
        }

        if (ProcessTaskTimeBudget <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(ProcessTaskTimeBudget)} must be positive, got {ProcessTaskTimeBudget}";
        }

        if (ProcessTaskLease is { } lease && lease <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(ProcessTaskLease)} must be positive, got {lease}";
        }

        if (HealthTimeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(HealthTimeout)} must be positive, got {HealthTimeout}";
        }
    }
}
