using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgQueue.Worker;

/// <summary>
/// The host's one <c>LISTEN pgqueue</c> connection. <c>enqueue</c> notifies when a batch goes from empty to non-empty;
/// each notification wakes the idle loops. A dropped connection is reopened with exponential backoff (loops keep
/// polling meanwhile), and every (re)connect wakes the loops once, since notifications sent while no one listened are lost.
/// </summary>
internal sealed class NotificationListener(string connectionString, NewWorkSignal signal, PgQueueWorkerHostStatus status, ILogger logger)
{
    public const string Channel = "pgqueue";

    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var connection = new NpgsqlConnection(connectionString);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += OnNotification;
                    await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                    var command = new NpgsqlCommand($"LISTEN {Channel}", connection);
                    await using (command.ConfigureAwait(false))
                    {
                        await command.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                    }

                    status.SetListening(true);
                    failures = 0;
                    Log.Listening(logger, Channel, connection.ProcessID);
                    signal.Pulse();
                    while (true)
                    {
                        await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Whatever broke the connection, the answer is the same: reconnect later.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                status.SetListening(false);
                var delay = RetryDelay(++failures);
                Log.ListenFailed(logger, delay, exception);
                try
                {
                    await Task.Delay(delay, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                status.SetListening(false);
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        status.NotificationReceived();
        Log.NewWork(logger, e.Payload);
        signal.Pulse();
    }

    // Exponential from 0.5 s, capped at 30 s, with ±20 % jitter so restarted hosts do not reconnect in step.
    private static TimeSpan RetryDelay(int failures)
    {
        var exponential = FirstRetryDelay * Math.Pow(2, Math.Min(failures - 1, 10));
        var capped = exponential < MaxRetryDelay ? exponential : MaxRetryDelay;
#pragma warning disable CA5394 // Jitter, not security.
        return capped * (0.8 + (0.4 * Random.Shared.NextDouble()));
#pragma warning restore CA5394
    }
}
