using System.Text.Json;

namespace PgQueue;

/// <summary>Options of a <see cref="PgQueueClient"/>, read once when the client is created: later changes have no effect.</summary>
public sealed class PgQueueClientOptions
{
    private PgQueueRetryOptions _retry = new();
    private JsonSerializerOptions _serializerOptions = new(JsonSerializerDefaults.Web);

    /// <summary>How transient errors are retried.</summary>
    /// <value>The default value is a <see cref="PgQueueRetryOptions"/> with its defaults.</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public PgQueueRetryOptions Retry
    {
        get => _retry;
        set => _retry = value ?? throw new ArgumentNullException(nameof(Retry));
    }

    /// <summary>
    /// How typed payloads are written by <c>EnqueueAsync&lt;TPayload&gt;</c> and read for handlers registered in a
    /// <see cref="TaskHandlerRegistry"/>.
    /// </summary>
    /// <value>The default value is <see cref="JsonSerializerDefaults.Web"/> (camelCase names, case-insensitive reads).</value>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public JsonSerializerOptions SerializerOptions
    {
        get => _serializerOptions;
        set => _serializerOptions = value ?? throw new ArgumentNullException(nameof(SerializerOptions));
    }
}
