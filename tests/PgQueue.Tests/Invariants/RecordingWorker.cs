using System.Collections.Concurrent;
using System.Text.Json;
using Npgsql;
using PgQueue.Tests.Infrastructure;

namespace PgQueue.Tests.Invariants;

/// <summary>
/// A <see cref="PgQueueWorker"/> whose handler records each task the way the race does: a <c>start</c> row on its own
/// autocommit connection, then a <c>done</c> row in the task's transaction. A hook may run in between (fail, wait, …).
/// </summary>
public sealed class RecordingWorker
{
    private readonly ConcurrentQueue<(long TaskId, int Attempts)> _runs = new();

    public RecordingWorker(
        PgQueueClient client, NpgsqlDataSource logSource, PgQueueWorkerOptions options,
        Func<TaskContext<JsonElement>, Task>? beforeDone = null)
    {
        var workerId = options.WorkerId;
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            _runs.Enqueue((context.TaskId, context.Attempts));
            await TestLog.InsertAsync(logSource, context.TaskId, context.BatchId, context.LeaseToken, workerId, "start", CancellationToken.None);
            if (beforeDone is not null)
            {
                await beforeDone(context);
            }

            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, workerId, "done", ct);
        });
        Worker = new PgQueueWorker(client, handlers, options);
    }

    public PgQueueWorker Worker { get; }

    /// <summary>Every run of a handler: the task and the attempts already charged to it when it started.</summary>
    public IReadOnlyList<(long TaskId, int Attempts)> Runs => [.. _runs];

    /// <summary>Runs the worker's loop in the background until the returned handle is disposed.</summary>
    public RunningWorker Start() => new(Worker);
}

/// <summary>A worker loop running in the background; disposing it stops the loop and waits for it.</summary>
public sealed class RunningWorker : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RunningWorker(PgQueueWorker worker)
    {
        _loop = Task.Run(() => worker.RunAsync(_stop.Token), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
