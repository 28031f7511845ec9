namespace PgQueue;

/// <summary>Options of a <see cref="PgQueueWorker"/>.</summary>
public sealed class PgQueueWorkerOptions
{
    private string _workerId = $"{Environment.MachineName}:{Environment.ProcessId}";
    private TimeSpan? _lease;
    private int _maxTasksPerClaim = 100;
    private TimeSpan? _timeBudget;
    private TimeSpan _idlePollInterval = TimeSpan.FromSeconds(5);

    /// <summary>Who claims batches, as shown in <c>batch_status</c> and in every log line.</summary>
    /// <value>The default value is <c>&lt;machine name&gt;:&lt;process id&gt;</c>.</value>
    /// <exception cref="ArgumentException">The value is null or empty.</exception>
    public string WorkerId
    {
        get => _workerId;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value, nameof(WorkerId));
            _workerId = value;
        }
    }

    /// <summary>
    /// The lease length asked for at claim and renewal. The worker renews about every third of it while it drains.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the database setting (5 minutes unless a DBA changed it).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan? Lease
    {
        get => _lease;
        set
        {
            if (value is { } lease)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lease, TimeSpan.Zero, nameof(Lease));
            }

            _lease = value;
        }
    }

    /// <summary>How many tasks one claim may finish (complete, fail or kill) before the batch is released.</summary>
    /// <value>The default value is 100. 1 runs one task per claim.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxTasksPerClaim
    {
        get => _maxTasksPerClaim;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxTasksPerClaim));
            _maxTasksPerClaim = value;
        }
    }

    /// <summary>
    /// How long one claim–drain–release run may take. The worker starts no task that, judged by the longest task of
    /// the run so far, would end after the budget.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no budget).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan? TimeBudget
    {
        get => _timeBudget;
        set
        {
            if (value is { } budget)
            {
                ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(budget, TimeSpan.Zero, nameof(TimeBudget));
            }

            _timeBudget = value;
        }
    }

    /// <summary>
    /// Called on the worker's own flow after every task it ran, once the outcome is recorded (see
    /// <see cref="FinishedTask"/>): for per-task logs and metrics. Keep it quick; an exception it throws ends the drain
    /// and propagates from <see cref="PgQueueWorker.DrainAsync"/> (<see cref="PgQueueWorker.RunOnceAsync"/> still
    /// releases the batch).
    /// </summary>
    /// <value>The default value is <see langword="null"/> (nothing is called).</value>
    public Action<FinishedTask>? TaskFinished { get; set; }

    /// <summary>
    /// How long <see cref="PgQueueWorker.RunAsync"/> waits after a round that did no work (or failed) before claiming again.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan IdlePollInterval
    {
        get => _idlePollInterval;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(IdlePollInterval));
            _idlePollInterval = value;
        }
    }

    /// <summary>
    /// Whether <see cref="PgQueueWorker.RunOnceAsync"/> enqueues the tasks of due schedules before it claims, in the
    /// claim's round trip (<see cref="PgQueueClient.EnqueueDueSchedulesAndClaimBatchAsync"/>), so a schedule's task can
    /// be run by the very run that enqueued it: for workers that run on a timer, like a scheduled Lambda. Any number of
    /// callers is safe (each slot is enqueued once); <see cref="PgQueueWorker.DrainAsync"/> never enqueues.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool EnqueueDueSchedules { get; set; }
}
