namespace PgQueue.Worker;

/// <summary>
/// Wakes idle batch loops. A loop takes <see cref="NextPulse"/> before it claims and waits on it after an empty claim,
/// so a pulse that arrives during the claim is not lost: the loop claims again at once.
/// </summary>
internal sealed class NewWorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Pulse"/>.</summary>
    public Task NextPulse => Volatile.Read(ref _next).Task;

    /// <summary>Wakes every loop waiting on a <see cref="NextPulse"/> taken before now.</summary>
    public void Pulse() =>
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
