using Npgsql;

namespace PgQueue;

/// <summary>
/// What a task handler gets: the task, its typed payload, and the open transaction that dequeued it. Write to the
/// database through <see cref="Connection"/> and <see cref="Transaction"/>, and those writes commit atomically with the
/// task's completion, or roll back with it when the handler throws.
/// </summary>
/// <remarks>
/// The worker owns the transaction: do not commit, roll back or dispose it, and do not use the connection after the
/// handler returns.
/// </remarks>
/// <typeparam name="TPayload">The payload type the handler was registered with.</typeparam>
public sealed class TaskContext<TPayload>
{
    internal TaskContext(DequeuedTask task, BatchLease lease, TPayload payload, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        TaskId = task.TaskId;
        BatchId = lease.BatchId;
        TaskType = task.TaskType;
        Payload = payload;
        Attempts = task.Attempts;
        EnqueuedAt = task.EnqueuedAt;
        LeaseToken = lease.LeaseToken;
        Connection = connection;
        Transaction = transaction;
    }

    /// <summary>The task id.</summary>
    public long TaskId { get; }

    /// <summary>The batch the task belongs to.</summary>
    public string BatchId { get; }

    /// <summary>The task type, or <see langword="null"/> for a task enqueued without one.</summary>
    public string? TaskType { get; }

    /// <summary>The payload, deserialized with <see cref="PgQueueClientOptions.SerializerOptions"/>.</summary>
    public TPayload Payload { get; }

    /// <summary>Tries already charged to this task: 0 on its first run.</summary>
    public int Attempts { get; }

    /// <summary>When the task was enqueued.</summary>
    public DateTimeOffset EnqueuedAt { get; }

    /// <summary>The lease token under which the task runs.</summary>
    public long LeaseToken { get; }

    /// <summary>The task's connection; commands on it run in <see cref="Transaction"/>.</summary>
    public NpgsqlConnection Connection { get; }

    /// <summary>The task's transaction, which holds the task's row lock and commits with its completion.</summary>
    public NpgsqlTransaction Transaction { get; }
}
