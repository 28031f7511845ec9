namespace PgQueue.Lambda;

/// <summary>How one invocation went, in its result, its summary log line and its metrics.</summary>
public enum InvocationOutcome
{
    /// <summary>
    /// No task finished: nothing was claimable (the queue is empty, or every batch with due work is leased by another
    /// worker or paused) or the claimed batch's head was not runnable. The usual answer costs one round trip.
    /// </summary>
    Empty,

    /// <summary>
    /// Tasks finished and the invocation stopped with work left: its time budget or task limit was reached, or its lease
    /// was lost. More invocations (or a longer budget) would have had work.
    /// </summary>
    Busy,

    /// <summary>Tasks finished and the invocation stopped because nothing more was claimable.</summary>
    Worked,

    /// <summary>The input was invalid; nothing was claimed.</summary>
    Rejected,

    /// <summary>
    /// API mode only: the API refused the request (a 4xx other than 408/429, e.g. a bad key) or still failed after the
    /// retries within the time budget; the result's error says why.
    /// </summary>
    Failed,
}
