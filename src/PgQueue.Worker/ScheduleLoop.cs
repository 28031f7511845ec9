using Microsoft.Extensions.Logging;

namespace PgQueue.Worker;

/// <summary>
/// The host's recurring-task loop: calls <c>enqueue_due_schedules</c> and reads the earliest next run in one round
/// trip, wakes the batch loops when it enqueued something, and sleeps until that next run (at most
/// <see cref="PgQueueWorkerHostOptions.SchedulePollInterval"/>, so a schedule set meanwhile is seen that late at most).
/// A 5-second schedule thus gets its task every 5 seconds. Any number of hosts may run it: the database enqueues each
/// slot once.
/// </summary>
internal sealed class ScheduleLoop(
    PgQueueClient client,
    PgQueueWorkerHostOptions options,
    NewWorkSignal signal,
    PgQueueWorkerHostStatus status,
    ILogger logger)
{
    // Slots fall on whole seconds of the database's clock: wake just after, not just before, and never spin while a
    // due schedule is being fired by another host's call (it stays due for us until that call commits).
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Shortest = TimeSpan.FromMilliseconds(50);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var due = await client.EnqueueDueSchedulesAndGetNextRunAsync(stoppingToken).ConfigureAwait(false);
                if (due.TasksEnqueued > 0)
                {
                    status.ScheduledTasksAdded(due.TasksEnqueued);
                    Log.SchedulesEnqueued(logger, due.TasksEnqueued, due.NextRun);
                    signal.Pulse();
                }

                wait = WaitFor(due.UntilNextRun);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed round is logged; the loop lives on and tries again after its poll interval.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                Log.ScheduleRoundFailed(logger, options.SchedulePollInterval, exception);
                wait = options.SchedulePollInterval;
            }

            try
            {
                await Task.Delay(wait, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private TimeSpan WaitFor(TimeSpan? untilNextRun)
    {
        if (untilNextRun is not { } until)
        {
            return options.SchedulePollInterval;
        }

        var wait = until + Slack;
        return wait < Shortest ? Shortest : wait > options.SchedulePollInterval ? options.SchedulePollInterval : wait;
    }
}
