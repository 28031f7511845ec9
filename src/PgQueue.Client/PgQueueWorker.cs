using System.Data;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgQueue;

/// <summary>
/// Runs the tasks of leased batches with the handlers of a <see cref="TaskHandlerRegistry"/>, in id order, each task in
/// its own transaction: <c>BEGIN; dequeue_task; handler; complete_task; COMMIT</c>. While a batch drains, its task
/// connection is kept and each completion travels with the next task's start in one round trip
/// (<c>complete_task; COMMIT; BEGIN; dequeue_task</c>), so a task costs about one round trip.
/// </summary>
/// <remarks>
/// <para>
/// A handler that throws has its transaction rolled back, then <c>fail_task</c> records the error in a transaction of
/// its own (the task is retried later or becomes dead). A transient database error rolls the task back, waits, and runs
/// it again without charging an attempt; a <see cref="NotHeadTaskException"/> from <c>complete_task</c> (a redriven task
/// came first) rolls back and goes on. While a batch drains, its lease is renewed on another pooled connection about
/// every third of the lease, and a lost lease cancels the handler's token. Give the data source room for two
/// connections per worker.
/// </para>
/// <para>
/// The task connection is not reset between the tasks of one drain: a handler must not change session state
/// (<c>SET</c> without <c>LOCAL</c>, temporary tables) that the next task would see.
/// </para>
/// <para>One worker drains one batch at a time; run several workers for parallelism.</para>
/// </remarks>
public sealed class PgQueueWorker
{
    private readonly PgQueueClient _client;
    private readonly TaskHandlerRegistry _handlers;
    private readonly ILogger _logger;

    /// <summary>Creates a worker. It logs through the client's logger factory.</summary>
    /// <param name="client">The client whose data source and retry pipeline the worker uses.</param>
    /// <param name="handlers">The task handlers.</param>
    /// <param name="options">The options, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="client"/> or <paramref name="handlers"/> is null.</exception>
    public PgQueueWorker(PgQueueClient client, TaskHandlerRegistry handlers, PgQueueWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(handlers);
        _client = client;
        _handlers = handlers;
        Options = options ?? new PgQueueWorkerOptions();
        _logger = client.LoggerFactory.CreateLogger<PgQueueWorker>();
    }

    private enum TaskOutcome
    {
        NoRunnableTask,
        Completed,
        HandlerFailed,
        Retry,
        Dead,
        NotHeadTask,
        LeaseLost,
        Cancelled,
    }

    /// <summary>The worker's options.</summary>
    public PgQueueWorkerOptions Options { get; }

    /// <summary>
    /// Claims, drains and releases batches until <paramref name="cancellationToken"/> is cancelled, waiting
    /// <see cref="PgQueueWorkerOptions.IdlePollInterval"/> after a round that ran no task or failed. Each round gets
    /// <see cref="PgQueueWorkerOptions.TimeBudget"/>. A failed round is logged, never thrown.
    /// </summary>
    /// <param name="cancellationToken">Stops the worker; the running task is rolled back and its batch released.</param>
    /// <returns>A task that completes, without throwing, when the worker has stopped.</returns>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var idle = true;
            try
            {
                var result = await RunOnceAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                idle = result.TasksCompleted + result.TasksFailed + result.TasksDead == 0;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Log.WorkerRoundFailed(_logger, Options.WorkerId, Options.IdlePollInterval, exception);
            }

            if (idle)
            {
                try
                {
                    await Task.Delay(Options.IdlePollInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Claims one batch (the preferred one if it is claimable), drains it with <see cref="DrainAsync"/>, and releases
    /// it, also when draining throws. With <see cref="PgQueueWorkerOptions.EnqueueDueSchedules"/>, the claim first
    /// enqueues the tasks of due schedules, in the same round trip.
    /// </summary>
    /// <param name="preferredBatchId">A batch to take first if it is claimable, or <see langword="null"/>.</param>
    /// <param name="timeBudget">
    /// The budget of the whole run, claim included, or <see langword="null"/> for
    /// <see cref="PgQueueWorkerOptions.TimeBudget"/>.
    /// </param>
    /// <param name="cancellationToken">Stops the run; cancellation is reported as <see cref="WorkerStopReason.Cancelled"/>.</param>
    /// <returns>What the run did; <see cref="WorkerStopReason.NothingToClaim"/> with a null batch id if there was no work.</returns>
    /// <exception cref="PgQueueException">A contract error other than a lost lease, e.g. an invalid preferred batch id.</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<RunResult> RunOnceAsync(string? preferredBatchId = null, TimeSpan? timeBudget = null, CancellationToken cancellationToken = default)
    {
        var startedAt = Stopwatch.GetTimestamp();
        var budget = timeBudget ?? Options.TimeBudget;
        BatchLease? lease;
        var enqueued = 0;
        try
        {
            if (Options.EnqueueDueSchedules)
            {
                (lease, enqueued) = await _client.EnqueueDueSchedulesAndClaimBatchAsync(Options.WorkerId, preferredBatchId, Options.Lease, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                lease = await _client.ClaimBatchAsync(Options.WorkerId, preferredBatchId, Options.Lease, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new RunResult(null, 0, 0, 0, WorkerStopReason.Cancelled);
        }

        if (lease is null)
        {
            Log.NothingToClaim(_logger, Options.WorkerId);
            return new RunResult(null, 0, 0, 0, WorkerStopReason.NothingToClaim) { ScheduledTasksEnqueued = enqueued };
        }

        await using (lease.ConfigureAwait(false))
        {
            var remaining = budget - Stopwatch.GetElapsedTime(startedAt);
            var drain = await DrainAsync(lease, remaining < TimeSpan.Zero ? TimeSpan.Zero : remaining, cancellationToken).ConfigureAwait(false);
            return RunResult.From(drain) with { ScheduledTasksEnqueued = enqueued };
        }
    }

    /// <summary>
    /// Runs the tasks of one leased batch in id order until <c>dequeue_task</c> returns nothing (empty, head delayed or
    /// locked), <see cref="PgQueueWorkerOptions.MaxTasksPerClaim"/> tasks are finished, the next task would not fit in
    /// the budget, the lease is lost, or <paramref name="cancellationToken"/> is cancelled. Does not release the lease.
    /// </summary>
    /// <remarks>
    /// A task that fails is retried later, not in this drain: <c>fail_task</c> delays it, and the batch waits for its
    /// head, so draining stops with <see cref="WorkerStopReason.NoRunnableTask"/>.
    /// </remarks>
    /// <param name="lease">The lease of the batch to drain.</param>
    /// <param name="timeBudget">
    /// The budget of this drain, or <see langword="null"/> for <see cref="PgQueueWorkerOptions.TimeBudget"/>.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops draining; the running task is rolled back without charging an attempt and the result says
    /// <see cref="WorkerStopReason.Cancelled"/>.
    /// </param>
    /// <returns>The counts of completed, failed and dead tasks, and why draining stopped.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lease"/> is null.</exception>
    /// <exception cref="PgQueueException">A contract error other than a lost lease or a redriven head.</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    public async Task<DrainResult> DrainAsync(BatchLease lease, TimeSpan? timeBudget = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var budget = timeBudget ?? Options.TimeBudget;
        var startedAt = Stopwatch.GetTimestamp();
        var longestTask = TimeSpan.Zero;
        int completed = 0, failed = 0, dead = 0;
        var runs = new List<FinishedTask>();
        WorkerStopReason stopReason;
        var heartbeat = new LeaseHeartbeat(lease, Options.Lease, _logger);
        var session = new TaskSession();
        await using (heartbeat.ConfigureAwait(false))
        await using (session.ConfigureAwait(false))
        {
            // Whether the loop would start another task after the one running now: only then is the next task
            // dequeued in the same round trip as this one's commit (a prefetched task is rolled back if not run).
            bool MayGoOn() =>
                !cancellationToken.IsCancellationRequested
                && lease.IsHeld
                && !heartbeat.LeaseLostToken.IsCancellationRequested
                && completed + failed + dead + 1 < Options.MaxTasksPerClaim
                && (budget is not { } limit || Stopwatch.GetElapsedTime(startedAt) + longestTask < limit);

            while (true)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    stopReason = WorkerStopReason.Cancelled;
                    break;
                }

                if (!lease.IsHeld)
                {
                    stopReason = WorkerStopReason.LeaseLost;
                    break;
                }

                if (completed + failed + dead >= Options.MaxTasksPerClaim)
                {
                    stopReason = WorkerStopReason.MaxTasksReached;
                    break;
                }

                if (budget is { } limit && Stopwatch.GetElapsedTime(startedAt) + longestTask >= limit)
                {
                    stopReason = WorkerStopReason.TimeBudgetReached;
                    break;
                }

                var taskStartedAt = Stopwatch.GetTimestamp();
                var (outcome, task, handlerError) = await RunTaskWithRetryAsync(lease, heartbeat, session, MayGoOn, cancellationToken).ConfigureAwait(false);
                if (outcome == TaskOutcome.HandlerFailed)
                {
                    outcome = await FailTaskAsync(lease, task!, handlerError!).ConfigureAwait(false);
                }

                var taskTime = Stopwatch.GetElapsedTime(taskStartedAt);
                longestTask = taskTime > longestTask ? taskTime : longestTask;
                if (task is not null && ToRunOutcome(outcome) is { } runOutcome)
                {
                    var finished = new FinishedTask(lease.WorkerId, lease.BatchId, lease.LeaseToken, task.TaskId, task.TaskType,
                        task.Attempts + 1, runOutcome, taskTime, runOutcome is TaskRunOutcome.Retry or TaskRunOutcome.Dead ? handlerError : null);
                    runs.Add(finished);
                    Options.TaskFinished?.Invoke(finished);
                }

                switch (outcome)
                {
                    case TaskOutcome.Completed:
                        completed++;
                        continue;
                    case TaskOutcome.Retry:
                        failed++;
                        continue;
                    case TaskOutcome.Dead:
                        dead++;
                        continue;
                    case TaskOutcome.NotHeadTask:
                        continue;
                    case TaskOutcome.LeaseLost:
                        lease.MarkLost();
                        stopReason = WorkerStopReason.LeaseLost;
                        break;
                    case TaskOutcome.Cancelled:
                        stopReason = WorkerStopReason.Cancelled;
                        break;
                    default:
                        stopReason = WorkerStopReason.NoRunnableTask;
                        break;
                }

                break;
            }
        }

        Log.DrainStopped(_logger, lease.WorkerId, lease.BatchId, lease.LeaseToken, stopReason, completed, failed, dead);
        return new DrainResult(lease.BatchId, completed, failed, dead, stopReason) { Tasks = runs };
    }

    private static TaskRunOutcome? ToRunOutcome(TaskOutcome outcome) => outcome switch
    {
        TaskOutcome.Completed => TaskRunOutcome.Completed,
        TaskOutcome.Retry => TaskRunOutcome.Retry,
        TaskOutcome.Dead => TaskRunOutcome.Dead,
        TaskOutcome.NotHeadTask => TaskRunOutcome.NotHeadTask,
        TaskOutcome.LeaseLost => TaskRunOutcome.LeaseLost,
        TaskOutcome.Cancelled => TaskRunOutcome.Cancelled,
        _ => null,
    };



    // A transient database error rolls the task back; the retry pipeline waits and runs the head task again.
    private async Task<(TaskOutcome Outcome, DequeuedTask? Task, Exception? HandlerError)> RunTaskWithRetryAsync(BatchLease lease, LeaseHeartbeat heartbeat, TaskSession session, Func<bool> mayGoOn, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.ExecuteWithRetryAsync(
                "task", context => RunTaskAsync(lease, heartbeat, session, mayGoOn, context.CancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (TaskOutcome.Cancelled, null, null);
        }
    }

    // One task transaction. Handler errors are returned, not thrown, so only database errors reach the retry pipeline.
    // The session's connection and open transaction are kept only when the task completed and the next task was
    // dequeued with the commit; any other way out ends the session (rolls back what is open, returns the connection).
    private async Task<(TaskOutcome Outcome, DequeuedTask? Task, Exception? HandlerError)> RunTaskAsync(BatchLease lease, LeaseHeartbeat heartbeat, TaskSession session, Func<bool> mayGoOn, CancellationToken cancellationToken)
    {
        DequeuedTask? task = null;
        Exception? handlerError;
        var keepSession = false;
        try
        {
            if (session.TakeNext(out var next, out var nextError))
            {
                if (nextError is not null)
                {
                    // The previous task committed, then opening this one failed: its transaction is aborted.
                    ExceptionDispatchInfo.Throw(nextError);
                }

                task = next;
            }
            else
            {
                var transaction = await session.BeginAsync(_client.DataSource, cancellationToken).ConfigureAwait(false);
                task = await _client.DequeueTaskAsync(transaction, lease.BatchId, lease.LeaseToken, cancellationToken).ConfigureAwait(false);
            }

            if (task is null)
            {
                return (TaskOutcome.NoRunnableTask, null, null);
            }

            var (connection, taskTransaction) = session.Current;
            Log.TaskStarted(_logger, lease.WorkerId, lease.BatchId, task.TaskId, lease.LeaseToken, task.Attempts + 1);
            handlerError = await InvokeHandlerAsync(task, lease, heartbeat, connection, taskTransaction, cancellationToken).ConfigureAwait(false);
            if (handlerError is null)
            {
                // The work is done: finishing it is cheaper than redoing it, so cancellation no longer applies.
                if (mayGoOn())
                {
                    var (following, followingError) = await _client.CompleteAndDequeueNextAsync(taskTransaction, task.TaskId, lease.BatchId, lease.LeaseToken).ConfigureAwait(false);
                    session.SetNext(following, followingError);
                    keepSession = true;
                }
                else
                {
                    await _client.CompleteTaskAsync(taskTransaction, task.TaskId, lease.LeaseToken, CancellationToken.None).ConfigureAwait(false);
                    await taskTransaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                }

                Log.TaskCompleted(_logger, lease.WorkerId, lease.BatchId, task.TaskId, lease.LeaseToken, task.Attempts + 1);
                return (TaskOutcome.Completed, task, null);
            }

            if (TransientErrors.IsTransient(handlerError) && !IsOpen(connection))
            {
                // The task's own connection died under the handler: as in a crash, the transaction is gone
                // and nothing is charged. The retry pipeline runs the task again on a new connection.
                ExceptionDispatchInfo.Throw(handlerError);
            }

            await RollbackAsync(taskTransaction, lease, task).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            Log.TaskLeaseLost(_logger, lease.WorkerId, lease.BatchId, task?.TaskId, lease.LeaseToken);
            return (TaskOutcome.LeaseLost, task, null);
        }
        catch (NotHeadTaskException)
        {
            Log.TaskNotHead(_logger, lease.WorkerId, lease.BatchId, task?.TaskId, lease.LeaseToken);
            return (TaskOutcome.NotHeadTask, task, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.TaskCancelled(_logger, lease.WorkerId, lease.BatchId, task?.TaskId, lease.LeaseToken);
            return (TaskOutcome.Cancelled, task, null);
        }
        catch (Exception exception) when (TransientErrors.IsTransient(exception))
        {
            Log.TaskTransientError(_logger, lease.WorkerId, lease.BatchId, task?.TaskId, lease.LeaseToken, exception);
            throw;
        }
        finally
        {
            if (!keepSession)
            {
                await session.EndAsync().ConfigureAwait(false);
            }
        }

        // The transaction is rolled back and its connection returned: the outcome is decided outside of it.
        if (!lease.IsHeld || heartbeat.LeaseLostToken.IsCancellationRequested)
        {
            Log.TaskLeaseLost(_logger, lease.WorkerId, lease.BatchId, task.TaskId, lease.LeaseToken);
            return (TaskOutcome.LeaseLost, task, null);
        }

        if (handlerError is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            Log.TaskCancelled(_logger, lease.WorkerId, lease.BatchId, task.TaskId, lease.LeaseToken);
            return (TaskOutcome.Cancelled, task, null);
        }

        return (TaskOutcome.HandlerFailed, task, handlerError);
    }

    private static bool IsOpen(NpgsqlConnection connection) =>
        connection.State == ConnectionState.Open && (connection.FullState & ConnectionState.Broken) == 0;

    private async Task<Exception?> InvokeHandlerAsync(DequeuedTask task, BatchLease lease, LeaseHeartbeat heartbeat, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        using var handlerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, heartbeat.LeaseLostToken);
        try
        {
            await _handlers.InvokeAsync(task, lease, connection, transaction, _client.SerializerOptions, handlerCancellation.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception exception)
        {
            return exception;
        }
    }

    // A broken connection cannot roll back, but closing it does: either way the task's row lock is gone after disposal.
    private async Task RollbackAsync(NpgsqlTransaction transaction, BatchLease lease, DequeuedTask task)
    {
        try
        {
            await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.TaskRollbackFailed(_logger, lease.WorkerId, lease.BatchId, task.TaskId, exception);
        }
    }

    // Not cancellable: an uncharged failure would let a poison task that races shutdowns block its batch forever.
    private async Task<TaskOutcome> FailTaskAsync(BatchLease lease, DequeuedTask task, Exception handlerError)
    {
        var attempt = task.Attempts + 1;
        try
        {
            var outcome = await _client.FailTaskAsync(task.TaskId, lease.LeaseToken,
                $"{handlerError.GetType().FullName}: {handlerError.Message}", cancellationToken: CancellationToken.None).ConfigureAwait(false);
            if (outcome == FailTaskOutcome.Retry)
            {
                Log.TaskFailedWillRetry(_logger, lease.WorkerId, lease.BatchId, task.TaskId, lease.LeaseToken, attempt, handlerError);
                return TaskOutcome.Retry;
            }

            Log.TaskDead(_logger, lease.WorkerId, lease.BatchId, task.TaskId, lease.LeaseToken, attempt, handlerError);
            return TaskOutcome.Dead;
        }
        catch (LeaseLostException)
        {
            Log.TaskLeaseLost(_logger, lease.WorkerId, lease.BatchId, task.TaskId, lease.LeaseToken);
            return TaskOutcome.LeaseLost;
        }
    }

    // A drain's task connection and its open transaction, kept from one task to the next while each commit also
    // dequeues the next task. Ending it disposes the transaction (which rolls back whatever is still open, releasing
    // a prefetched task's row lock without charging it) and returns the connection to the pool.
    private sealed class TaskSession : IAsyncDisposable
    {
        private NpgsqlConnection? _connection;
        private NpgsqlTransaction? _transaction;
        private bool _hasNext;
        private DequeuedTask? _next;
        private Exception? _nextError;

        public (NpgsqlConnection Connection, NpgsqlTransaction Transaction) Current =>
            (_connection ?? throw new InvalidOperationException("No task transaction is open."),
             _transaction ?? throw new InvalidOperationException("No task transaction is open."));

        // Opens the connection if needed and a new transaction on it (Npgsql sends BEGIN with the next command).
        public async Task<NpgsqlTransaction> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
        {
            if (_transaction is not null)
            {
                await EndAsync().ConfigureAwait(false);
            }

            _connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            _transaction = await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return _transaction;
        }

        public void SetNext(DequeuedTask? next, Exception? nextError)
        {
            _hasNext = true;
            _next = next;
            _nextError = nextError;
        }

        public bool TakeNext(out DequeuedTask? next, out Exception? nextError)
        {
            var had = _hasNext;
            next = _next;
            nextError = _nextError;
            _hasNext = false;
            _next = null;
            _nextError = null;
            return had;
        }

        public async ValueTask EndAsync()
        {
            _hasNext = false;
            _next = null;
            _nextError = null;
            var transaction = _transaction;
            var connection = _connection;
            _transaction = null;
            _connection = null;
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        public ValueTask DisposeAsync() => EndAsync();
    }
}
