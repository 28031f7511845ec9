using System.Text.Json;
using Npgsql;

namespace PgQueue;

/// <summary>
/// Maps task types to handlers with typed JSON payloads. Register every handler before a worker starts; the registry is
/// not safe for registration while workers read it.
/// </summary>
/// <remarks>
/// A task whose type has no handler (or, without a default handler, a task without a type), and a task whose payload
/// does not deserialize, fails like a throwing handler: <c>fail_task</c> records the error, and after its attempts the
/// task is dead.
/// </remarks>
public sealed class TaskHandlerRegistry
{
    private readonly Dictionary<string, TaskDispatch> _handlers = new(StringComparer.Ordinal);
    private TaskDispatch? _defaultHandler;

    private delegate Task TaskDispatch(DequeuedTask task, BatchLease lease, NpgsqlConnection connection, NpgsqlTransaction transaction, JsonSerializerOptions serializerOptions, CancellationToken cancellationToken);

    /// <summary>
    /// Registers the handler of one task type. Use <see cref="JsonElement"/> as <typeparamref name="TPayload"/> to get
    /// the raw payload.
    /// </summary>
    /// <typeparam name="TPayload">The type the payload is deserialized to.</typeparam>
    /// <param name="taskType">The task type, as given at enqueue; compared ordinally.</param>
    /// <param name="handler">
    /// Runs the task. Its token is cancelled when the worker stops or the lease is lost. Throwing fails the task.
    /// </param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentException"><paramref name="taskType"/> is empty or already has a handler.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="taskType"/> or <paramref name="handler"/> is null.</exception>
    public TaskHandlerRegistry Register<TPayload>(string taskType, Func<TaskContext<TPayload>, CancellationToken, Task> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskType);
        ArgumentNullException.ThrowIfNull(handler);
        if (!_handlers.TryAdd(taskType, Dispatch(handler)))
        {
            throw new ArgumentException($"A handler for task type '{taskType}' is already registered.", nameof(taskType));
        }

        return this;
    }

    /// <summary>Registers the handler of tasks enqueued without a task type.</summary>
    /// <typeparam name="TPayload">The type the payload is deserialized to; <see cref="JsonElement"/> for the raw payload.</typeparam>
    /// <param name="handler">Runs the task. Its token is cancelled when the worker stops or the lease is lost.</param>
    /// <returns>This registry, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    /// <exception cref="InvalidOperationException">A default handler is already registered.</exception>
    public TaskHandlerRegistry RegisterDefault<TPayload>(Func<TaskContext<TPayload>, CancellationToken, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (_defaultHandler is not null)
        {
            throw new InvalidOperationException("A default handler is already registered.");
        }

        _defaultHandler = Dispatch(handler);
        return this;
    }

    internal Task InvokeAsync(DequeuedTask task, BatchLease lease, NpgsqlConnection connection, NpgsqlTransaction transaction, JsonSerializerOptions serializerOptions, CancellationToken cancellationToken)
    {
        var handler = task.TaskType is null ? _defaultHandler : _handlers.GetValueOrDefault(task.TaskType);
        if (handler is null)
        {
            throw new InvalidOperationException(task.TaskType is null
                ? "No default handler is registered for tasks without a task type."
                : $"No handler is registered for task type '{task.TaskType}'.");
        }

        return handler(task, lease, connection, transaction, serializerOptions, cancellationToken);
    }

    private static TaskDispatch Dispatch<TPayload>(Func<TaskContext<TPayload>, CancellationToken, Task> handler) =>
        (task, lease, connection, transaction, serializerOptions, cancellationToken) =>
        {
            var payload = task.Payload.Deserialize<TPayload>(serializerOptions);
            if (payload is null)
            {
                throw new JsonException($"The payload of task {task.TaskId} is null; its handler expects {typeof(TPayload).Name}.");
            }

            return handler(new TaskContext<TPayload>(task, lease, payload, connection, transaction), cancellationToken);
        };
}
