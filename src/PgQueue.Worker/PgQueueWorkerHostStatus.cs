namespace PgQueue.Worker;

/// <summary>
/// What the worker host is doing right now, for health checks and tests: whether its notification listener is
/// connected, how many loops are idle or draining a batch, and how many scheduled tasks it enqueued. A singleton in
/// the host's container.
/// </summary>
public sealed class PgQueueWorkerHostStatus
{
    private int _listening;
    private int _idleLoops;
    private int _leasedBatches;
    private long _notifications;
    private long _scheduledTasks;

    /// <summary>Whether the <c>LISTEN pgqueue</c> connection is up.</summary>
    public bool IsListening => Volatile.Read(ref _listening) == 1;

    /// <summary>How many batch loops are waiting for a notification or their poll timer.</summary>
    public int IdleLoops => Volatile.Read(ref _idleLoops);

    /// <summary>How many batches the host holds a lease on.</summary>
    public int LeasedBatches => Volatile.Read(ref _leasedBatches);

    /// <summary>How many new-work notifications the listener has received since the host started.</summary>
    public long Notifications => Interlocked.Read(ref _notifications);

    /// <summary>How many tasks of due schedules this host's schedule loop has enqueued since the host started.</summary>
    public long ScheduledTasksEnqueued => Interlocked.Read(ref _scheduledTasks);

    internal void SetListening(bool listening) => Volatile.Write(ref _listening, listening ? 1 : 0);

    internal void LoopIdle(bool idle) => Interlocked.Add(ref _idleLoops, idle ? 1 : -1);

    internal void BatchLeased(bool leased) => Interlocked.Add(ref _leasedBatches, leased ? 1 : -1);

    internal void NotificationReceived() => Interlocked.Increment(ref _notifications);

    internal void ScheduledTasksAdded(int count) => Interlocked.Add(ref _scheduledTasks, count);
}
