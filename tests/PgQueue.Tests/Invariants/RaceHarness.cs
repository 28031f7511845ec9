using System.Text;
using System.Text.Json;
using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit.Sdk;

namespace PgQueue.Tests.Invariants;

/// <summary>How a race is set up: batches × tasks, how many workers, how many kills.</summary>
public sealed record RaceOptions
{
    public int Batches { get; init; } = 60;

    public int TasksPerBatch { get; init; } = 8;

    public int Workers { get; init; } = 16;

    /// <summary>Leases are at least 10× the task time: here expiry is not the point.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Task transactions terminated with <c>pg_terminate_backend</c>, at most.</summary>
    public int MaxKills { get; init; } = 15;

    /// <summary>Each handler sleeps a random 0 to this many milliseconds.</summary>
    public int MaxTaskMilliseconds { get; init; } = 20;

    /// <summary>How long the race may take before it fails with diagnostics.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Races real <see cref="PgQueueWorker"/>s over a real queue while producers enqueue and a chaos loop terminates task
/// transactions, then returns what committed (<c>done</c> rows, written in each task's transaction), what started
/// (<c>start</c> rows, written on a separate autocommit connection), and what the workers logged.
/// </summary>
public static class RaceHarness
{
    public const string WorkerApplicationName = "pgqueue-race-worker";

    private const string LogApplicationName = "pgqueue-race-log";

    public static async Task<RaceResult> RunAsync(DatabaseFixture database, RaceOptions options)
    {
        var connectionString = database.ConnectionString;
        // Kills make handlers fail and charge attempts; those retries must not end in dead_tasks here.
        await Sql.ExecuteAsync(connectionString,
            "UPDATE pgqueue.settings SET backoff_base = '1 millisecond', backoff_cap = '5 milliseconds', max_attempts = 1000");

        var log = new LogRecorder();
        await using var workerSource = DataSource(connectionString, WorkerApplicationName, maxPoolSize: 100);
        await using var logSource = DataSource(connectionString, LogApplicationName, maxPoolSize: options.Workers + 4);
        var client = new PgQueueClient(workerSource, new PgQueueClientOptions
        {
            Retry = new PgQueueRetryOptions { MaxRetryAttempts = 5, BaseDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(200) },
        }, log);

        using var stopWorkers = new CancellationTokenSource();
        var workers = Enumerable.Range(0, options.Workers)
            .Select(w => StartWorker(client, logSource, $"w{w:D2}", w, options, stopWorkers.Token))
            .ToList();

        using var stopChaos = new CancellationTokenSource();
        var chaos = options.MaxKills > 0 ? KillTaskTransactionsAsync(connectionString, options.MaxKills, stopChaos.Token) : Task.FromResult(0);

        // Producers race the workers: two tasks per batch per round, batches interleaved.
        var enqueued = Enumerable.Range(0, options.Batches).ToDictionary(b => BatchId(b), _ => new List<long>());
        for (var round = 0; round * 2 < options.TasksPerBatch; round++)
        {
            await Task.WhenAll(enqueued.Select(async batch =>
            {
                var count = Math.Min(2, options.TasksPerBatch - round * 2);
                var ids = await client.EnqueueManyAsync(batch.Key,
                    Enumerable.Range(round * 2, count).Select(n => $$"""{"n":{{n}}}"""));
                batch.Value.AddRange(ids);
            }));
        }

        var drained = await WaitUntilDrainedAsync(connectionString, options.Timeout);
        await stopChaos.CancelAsync();
        var kills = await chaos;
        await stopWorkers.CancelAsync();
        await Task.WhenAll(workers);

        var rows = await TestLog.ReadAsync(connectionString);
        var counts = await Sql.CountsAsync(connectionString);
        var result = new RaceResult(enqueued.ToDictionary(b => b.Key, b => (IReadOnlyList<long>)b.Value), rows, kills, log, counts);
        if (!drained)
        {
            throw new XunitException($"The race did not drain within {options.Timeout.TotalSeconds} s.\n" +
                                     await DiagnosticsAsync(connectionString, result));
        }

        return result;
    }

    public static string BatchId(int batch) => $"race-{batch:D3}";

    private static NpgsqlDataSource DataSource(string connectionString, string applicationName, int maxPoolSize) =>
        NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = applicationName,
            MaxPoolSize = maxPoolSize,
        }.ConnectionString);

    private static Task StartWorker(PgQueueClient client, NpgsqlDataSource logSource, string workerId, int index, RaceOptions options, CancellationToken stop)
    {
        var handlers = new TaskHandlerRegistry().RegisterDefault<JsonElement>(async (context, ct) =>
        {
            await TestLog.InsertAsync(logSource, context.TaskId, context.BatchId, context.LeaseToken, workerId, "start", ct);
            await Task.Delay(Random.Shared.Next(0, options.MaxTaskMilliseconds + 1), ct);
            await TestLog.InsertAsync(context.Connection, context.Transaction, context.TaskId, context.BatchId, context.LeaseToken, workerId, "done", ct);
        });
        var worker = new PgQueueWorker(client, handlers, new PgQueueWorkerOptions
        {
            WorkerId = workerId,
            Lease = options.Lease,
            // Small claims hand batches from worker to worker, so ownership changes often mid-batch.
            MaxTasksPerClaim = 1 + index % 3,
            IdlePollInterval = TimeSpan.FromMilliseconds(20),
        });
        return Task.Run(() => worker.RunAsync(stop), CancellationToken.None);
    }

    // Terminates one backend that is idle inside a task transaction (a handler sleeping) now and then.
    private static async Task<int> KillTaskTransactionsAsync(string connectionString, int maxKills, CancellationToken stop)
    {
        var kills = 0;
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(a.pid)) FROM (SELECT s.pid FROM pg_stat_activity AS s " +
            "WHERE s.application_name = $1 AND s.state = 'idle in transaction' ORDER BY random() LIMIT 1) AS a", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = WorkerApplicationName });
        while (kills < maxKills && !stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Random.Shared.Next(10, 40), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            kills += (int)(long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
        }

        return kills;
    }

    private static async Task<bool> WaitUntilDrainedAsync(string connectionString, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!deadline.IsCancellationRequested)
        {
            if (await Sql.ScalarAsync<bool>(connectionString, "SELECT pending = 0 AND leased_batches = 0 FROM pgqueue.queue_stats"))
            {
                return true;
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return false;
    }

    private static async Task<string> DiagnosticsAsync(string connectionString, RaceResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"queue: {await Sql.ScalarAsync<string>(connectionString, "SELECT row_to_json(q)::text FROM pgqueue.queue_stats AS q")}");
        text.AppendLine($"stuck batches: {await Sql.ScalarAsync<string>(connectionString,
            "SELECT coalesce(json_agg(s)::text, '[]') FROM (SELECT * FROM pgqueue.batch_status WHERE state <> 'empty' LIMIT 10) AS s")}");
        text.AppendLine($"kills: {result.Kills}, starts: {result.Starts.Count}, dones: {result.Dones.Count}");
        text.AppendLine($"worker events by id: {result.Log.Summary()}");
        foreach (var failure in result.Log.Events.Where(e => e.Exception is not null).TakeLast(5))
        {
            text.AppendLine($"  {failure.EventId}: {failure.Message}: {failure.Exception!.GetType().Name}: {failure.Exception.Message}");
        }

        return text.ToString();
    }
}

/// <summary>What a race left behind, and the invariants judged on it.</summary>
public sealed class RaceResult(
    IReadOnlyDictionary<string, IReadOnlyList<long>> enqueued, IReadOnlyList<TestLogRow> rows, int kills, LogRecorder log, QueueCounts counts)
{
    /// <summary>The ids each batch's producers got back, in enqueue order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<long>> Enqueued { get; } = enqueued;

    public IReadOnlyList<TestLogRow> Starts { get; } = [.. rows.Where(r => r.Kind == "start")];

    public IReadOnlyList<TestLogRow> Dones { get; } = [.. rows.Where(r => r.Kind == "done")];

    /// <summary>Task transactions the chaos loop terminated.</summary>
    public int Kills { get; } = kills;

    public LogRecorder Log { get; } = log;

    /// <summary>The queue's row counts once the race drained.</summary>
    public QueueCounts Counts { get; } = counts;

    /// <summary>Leases the workers reported lost (each a takeover or an expiry they noticed), by token.</summary>
    public int Takeovers => Log.Where(PgQueueEventId.LeaseLost, PgQueueEventId.TaskLeaseLost)
        .Select(e => e.Get<long>("LeaseToken")).Distinct().Count();

    /// <summary>Which worker each lease token was granted to, from the workers' claim events.</summary>
    public IReadOnlyDictionary<long, string> LeaseOwners => Log.Where(PgQueueEventId.BatchClaimed)
        .ToDictionary(e => e.Get<long>("LeaseToken"), e => e.Get<string>("WorkerId"));

    public string Describe() =>
        $"kills {Kills}, takeovers {Takeovers}, starts {Starts.Count}, dones {Dones.Count}, events {Log.Summary()}";
}
