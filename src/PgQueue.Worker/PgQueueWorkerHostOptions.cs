namespace PgQueue.Worker;

/// <summary>The worker host's settings, bound from the configuration section <c>PgQueue:Worker</c>.</summary>
public sealed class PgQueueWorkerHostOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string Section = "PgQueue:Worker";

    /// <summary>How many batch loops run at once: each claims and drains one batch at a time.</summary>
    /// <value>The default value is 4. The connection pool needs about two connections per loop (task and heartbeat).</value>
    public int Concurrency { get; set; } = 4;

    /// <summary>The lease asked for at claim and renewal, or <see langword="null"/> for the database setting.</summary>
    /// <value>The default value is <see langword="null"/> (5 minutes unless a DBA changed it).</value>
    public TimeSpan? Lease { get; set; }

    /// <summary>
    /// How long an idle loop waits before it claims again when no notification wakes it. With <see cref="Listen"/>
    /// on, this only bounds how late a lost notification (or a delayed task becoming due) is noticed.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long stopping may take (it sets <c>HostOptions.ShutdownTimeout</c>). On stop, handlers' tokens are cancelled
    /// at once: a handler that honours its token is rolled back without charging an attempt; one that does not may
    /// finish and commit within this period. After it, the leases still held are released, so the batches are free at
    /// once; a task still running then is rolled back when its commit is refused or the process exits.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan ShutdownGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The start of every loop's worker id (as shown in <c>batch_status.owner</c> and in the logs); loop <c>n</c> is
    /// <c>&lt;prefix&gt;/n</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <c>&lt;host name&gt;:&lt;process id&gt;</c>.</value>
    public string? WorkerIdPrefix { get; set; }

    /// <summary>
    /// The connection string of the one long-lived <c>LISTEN pgqueue</c> connection. It must reach PostgreSQL directly
    /// (or through a session-mode pooler): a transaction-mode pooler drops <c>LISTEN</c>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the main connection string (unpooled for this connection).</value>
    public string? ListenConnectionString { get; set; }

    /// <summary>Whether the host listens for new-work notifications; off, idle loops only poll.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Listen { get; set; } = true;

    /// <summary>How often the first loop calls <c>reap_stale_locks()</c> (housekeeping for expired leases).</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan ReapEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Whether the host runs its schedule loop: it calls <c>enqueue_due_schedules()</c> and sleeps until the earliest
    /// next run (at most <see cref="SchedulePollInterval"/>), waking the batch loops when it enqueued tasks. Several
    /// hosts may all run it: each slot is enqueued once.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool EnqueueSchedules { get; set; } = true;

    /// <summary>
    /// The longest the schedule loop sleeps: a schedule set or changed while it sleeps is noticed this late at most
    /// (later runs then come on time). It also bounds the wait after a failed call.
    /// </summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan SchedulePollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many tasks one claim may finish before its batch is released and the loop claims again.</summary>
    /// <value>The default value is 100.</value>
    public int MaxTasksPerClaim { get; set; } = 100;

    /// <summary>Whether the demo handler <c>demo.sleep</c> is registered (see <c>Handlers/DemoSleepHandler.cs</c>).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool DemoHandlers { get; set; } = true;

    internal string EffectiveWorkerIdPrefix =>
        string.IsNullOrEmpty(WorkerIdPrefix) ? $"{Environment.MachineName}:{Environment.ProcessId}" : WorkerIdPrefix;

    internal IEnumerable<string> Validate()
    {
        if (Concurrency is < 1 or > 256)
        {
            yield return $"{Section}:{nameof(Concurrency)} must be 1 to 256, got {Concurrency}";
        }

        if (Lease is { } lease && lease <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(Lease)} must be positive, got {lease}";
        }

        if (IdlePollInterval <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(IdlePollInterval)} must be positive, got {IdlePollInterval}";
        }

        if (ShutdownGracePeriod < TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(ShutdownGracePeriod)} must not be negative, got {ShutdownGracePeriod}";
        }

        if (WorkerIdPrefix is { Length: > 190 })
        {
            yield return $"{Section}:{nameof(WorkerIdPrefix)} must be at most 190 characters (worker ids are at most 200), got {WorkerIdPrefix.Length}";
        }

        if (ReapEvery <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(ReapEvery)} must be positive, got {ReapEvery}";
        }

        if (SchedulePollInterval <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(SchedulePollInterval)} must be positive, got {SchedulePollInterval}";
        }

        if (MaxTasksPerClaim < 1)
        {
            yield return $"{Section}:{nameof(MaxTasksPerClaim)} must be at least 1, got {MaxTasksPerClaim}";
        }
    }
}
