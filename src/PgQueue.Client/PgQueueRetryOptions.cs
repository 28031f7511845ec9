namespace PgQueue;

/// <summary>
/// How the client retries a whole unit of work after a transient error (see <see cref="TransientErrors"/>):
/// exponential backoff with jitter.
/// </summary>
public sealed class PgQueueRetryOptions
{
    private static readonly TimeSpan LongestDelay = TimeSpan.FromDays(1);

    private int _maxRetryAttempts = 3;
    private TimeSpan _baseDelay = TimeSpan.FromMilliseconds(200);
    private TimeSpan _maxDelay = TimeSpan.FromSeconds(5);

    /// <summary>How many times a unit of work is repeated after its first try; 0 turns retries off.</summary>
    /// <value>The default value is 3.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int MaxRetryAttempts
    {
        get => _maxRetryAttempts;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(MaxRetryAttempts));
            _maxRetryAttempts = value;
        }
    }

    /// <summary>The delay before the first retry; later retries wait exponentially longer, with jitter.</summary>
    /// <value>The default value is 200 milliseconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or longer than one day.</exception>
    public TimeSpan BaseDelay
    {
        get => _baseDelay;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero, nameof(BaseDelay));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, LongestDelay, nameof(BaseDelay));
            _baseDelay = value;
        }
    }

    /// <summary>The longest delay between two tries.</summary>
    /// <value>The default value is 5 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or longer than one day.</exception>
    public TimeSpan MaxDelay
    {
        get => _maxDelay;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(MaxDelay));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, LongestDelay, nameof(MaxDelay));
            _maxDelay = value;
        }
    }
}
