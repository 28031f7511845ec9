namespace PgQueue;

/// <summary>The optional arguments of <c>pgqueue.enqueue</c>; every null means the function's default.</summary>
public sealed class EnqueueOptions
{
    private int? _maxAttempts;

    /// <summary>The task type a <see cref="TaskHandlerRegistry"/> dispatches on.</summary>
    /// <value>The default value is <see langword="null"/>: the registry's default handler runs the task.</value>
    public string? TaskType { get; set; }

    /// <summary>
    /// A key that makes the enqueue idempotent: while a task with the same key is pending in the same batch, enqueueing
    /// again inserts nothing and returns that task's id.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no deduplication).</value>
    public string? DedupKey { get; set; }

    /// <summary>The earliest moment the task may run. The batch waits for it: later tasks do not overtake it.</summary>
    /// <value>The default value is <see langword="null"/> (runnable at once).</value>
    public DateTimeOffset? RunAfter { get; set; }

    /// <summary>How many tries the task gets, the first included (3 = try, retry, retry, then dead).</summary>
    /// <value>The default value is <see langword="null"/>: the database setting (5 unless a DBA changed it).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int? MaxAttempts
    {
        get => _maxAttempts;
        set
        {
            if (value is { } attempts)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1, nameof(MaxAttempts));
            }

            _maxAttempts = value;
        }
    }
}
