using System.Globalization;
using Npgsql;
using PgQueue.Lambda;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Chaos.Tests.Infrastructure;

/// <summary>The sizes of one chaos race; <see cref="FromEnvironment"/> lets scripts/chaos.sh run a longer one.</summary>
/// <param name="Workers">Worker processes running at once.</param>
/// <param name="Batches">Batches enqueued before the workers start.</param>
/// <param name="TasksPerBatch">Tasks per batch.</param>
/// <param name="TaskMs">How long each task works.</param>
/// <param name="Kills">Worker processes killed with SIGKILL at random moments (at most; the queue may empty first).</param>
/// <param name="Lease">The workers' lease: short, so killed owners' batches are taken over quickly, but ≥ 10× a task.</param>
/// <param name="Seed">Seeds the choice of victims and moments, printed so a failure can be replayed.</param>
/// <param name="Deadline">The race fails if the queue is not empty by then.</param>
public sealed record RaceSize(int Workers, int Batches, int TasksPerBatch, int TaskMs, int Kills, TimeSpan Lease, int Seed, TimeSpan Deadline)
{
    /// <summary>The CI size, overridden by PGQUEUE_CHAOS_WORKERS, _BATCHES, _TASKS, _TASK_MS, _KILLS, _SEED, _DEADLINE_S.</summary>
    public static RaceSize FromEnvironment(int workers = 4, int batches = 30, int tasksPerBatch = 5, int kills = 6) => new(
        Read("WORKERS", workers), Read("BATCHES", batches), Read("TASKS", tasksPerBatch), Read("TASK_MS", 20),
        Read("KILLS", kills), TimeSpan.FromSeconds(2), Read("SEED", Random.Shared.Next()), TimeSpan.FromSeconds(Read("DEADLINE_S", 100)));

    private static int Read(string name, int fallback) =>
        Environment.GetEnvironmentVariable("PGQUEUE_CHAOS_" + name) is { Length: > 0 } text
            ? int.Parse(text, CultureInfo.InvariantCulture)
            : fallback;
}

/// <summary>What happened during a race, for the invariants and the test output.</summary>
public sealed record RaceReport(int Kills, int Takeovers, int Restarts, int FailedExits, long Starts, long Dones, TimeSpan Elapsed)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"kills {Kills}, abandoned-by-live-owner {Takeovers}, process restarts {Restarts}, non-zero exits {FailedExits}, " +
        $"starts {Starts}, dones {Dones}, {Elapsed.TotalSeconds:0.0}s");
}

/// <summary>
/// The chaos race: batches of recording tasks (<c>demo.sleep</c> with <c>record</c>, which commits a done row in the
/// task's transaction, and <c>logStart</c>, which commits a start row on its own connection first) drained by
/// <c>pgqueue lambda-local</c> processes that are killed at random moments and started again, until the queue is empty.
/// Then the invariants of DESIGN.md are checked from the rows alone: nothing lost, each task done exactly once, FIFO per
/// batch, lease tokens never going back along commit order (no overlapping owners), at most one redo per kill.
/// </summary>
public static class ChaosRace
{
    /// <summary>Enqueues the batches; returns their task ids in enqueue order.</summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyList<long>>> EnqueueAsync(string connectionString, RaceSize size)
    {
        await using var client = PgQueueClient.Create(connectionString);
        var ids = new Dictionary<string, IReadOnlyList<long>>(StringComparer.Ordinal);
        var task = new SleepTask(SleepMs: size.TaskMs, Record: true, LogStart: true);
        for (var b = 0; b < size.Batches; b++)
        {
            var batch = string.Create(CultureInfo.InvariantCulture, $"chaos-{b:000}");
            ids[batch] = await client.EnqueueManyAsync(batch, Enumerable.Repeat(task, size.TasksPerBatch), DemoTasks.SleepTaskType);
        }

        return ids;
    }

    /// <summary>
    /// Runs <see cref="RaceSize.Workers"/> worker processes against <paramref name="workerConnectionString"/> until the
    /// queue (read through <paramref name="adminConnectionString"/>) is empty, killing <see cref="RaceSize.Kills"/> of them
    /// at random moments and starting a new one in each's place; <paramref name="disturbAsync"/> runs beside them
    /// (e.g. restarts PostgreSQL).
    /// </summary>
    public static async Task<RaceReport> RunAsync(string adminConnectionString, string workerConnectionString, RaceSize size,
        Func<Task>? disturbAsync = null)
    {
        var random = new Random(size.Seed);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var slots = new RunnerProcess[size.Workers];
        var retired = new List<RunnerProcess>();
        var kills = 0;
        var restarts = 0;
        var failedExits = 0;
        var nextKillAt = NextKill(random, started.Elapsed);
        var disturbance = Task.CompletedTask;
        try
        {
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = RunnerProcess.Start(workerConnectionString, size.Lease);
            }

            if (disturbAsync is not null)
            {
                disturbance = Task.Run(disturbAsync);
            }

            while (true)
            {
                if (started.Elapsed > size.Deadline)
                {
                    Assert.Fail($"The queue was not empty after {size.Deadline.TotalSeconds}s (seed {size.Seed}, {kills} kills): " +
                        await Sql.SnapshotAsync(adminConnectionString));
                }

                if (disturbance.IsFaulted)
                {
                    await disturbance;
                }

                var pending = await PendingOrUnknownAsync(adminConnectionString);
                if (pending == 0 && disturbance.IsCompleted)
                {
                    break;
                }

                // Kill a process that is draining (it has finished a task), at a random moment, a bounded number of times.
                if (kills < size.Kills && pending != 0 && started.Elapsed >= nextKillAt)
                {
                    var working = Enumerable.Range(0, slots.Length).Where(i => !slots[i].HasExited && slots[i].TasksFinished > 0).ToList();
                    if (working.Count > 0)
                    {
                        var victim = working[random.Next(working.Count)];
                        slots[victim].Kill();
                        await slots[victim].WaitForExitAsync();
                        retired.Add(slots[victim]);
                        slots[victim] = RunnerProcess.Start(workerConnectionString, size.Lease);
                        kills++;
                        nextKillAt = NextKill(random, started.Elapsed);
                    }
                }

                // A process that found nothing to do exits; while work remains (behind a dead owner's lease), start it again.
                for (var i = 0; i < slots.Length; i++)
                {
                    if (slots[i].HasExited && pending != 0)
                    {
                        await slots[i].WaitForExitAsync();
                        failedExits += slots[i].ExitCode == 0 ? 0 : 1;
                        retired.Add(slots[i]);
                        slots[i] = RunnerProcess.Start(workerConnectionString, size.Lease);
                        restarts++;
                    }
                }

                await Task.Delay(random.Next(20, 80));
            }

            await disturbance;
        }
        finally
        {
            foreach (var process in slots.Where(p => p is not null))
            {
                process.Kill();
                await process.WaitForExitAsync();
                retired.Add(process);
            }
        }

        var starts = await Sql.ScalarAsync<long>(adminConnectionString, "SELECT count(*) FROM pgqueue_demo.lambda_task_starts");
        var dones = await Sql.ScalarAsync<long>(adminConnectionString, "SELECT count(*) FROM pgqueue_demo.lambda_task_runs");
        foreach (var process in retired)
        {
            process.Dispose();
        }

        return new RaceReport(kills, retired.Sum(p => p.TasksAbandoned), restarts, failedExits, starts, dones, started.Elapsed);
    }

    /// <summary>Asserts the invariants from the done and start rows.</summary>
    public static async Task AssertInvariantsAsync(string connectionString, IReadOnlyDictionary<string, IReadOnlyList<long>> enqueued,
        RaceReport report, int extraRedosAllowed = 0)
    {
        // Nothing lost: the queue is empty, nothing died, and every task's done row committed exactly once.
        Assert.Equal(0L, await PendingAsync(connectionString));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pgqueue.dead_tasks"));
        var done = await RowsAsync(connectionString, "SELECT batch_id, task_id, lease_token FROM pgqueue_demo.lambda_task_runs ORDER BY seq");
        foreach (var (batch, ids) in enqueued)
        {
            var rows = done.Where(r => r.BatchId == batch).ToList();

            // Exactly once, in FIFO order: commit order within the batch is enqueue order.
            Assert.Equal(ids, rows.Select(r => r.TaskId));

            // No overlapping owners: along commit order a batch's lease token never goes back.
            for (var i = 1; i < rows.Count; i++)
            {
                Assert.True(rows[i].LeaseToken >= rows[i - 1].LeaseToken,
                    $"Batch {batch}: task {rows[i].TaskId} committed under lease {rows[i].LeaseToken} after task {rows[i - 1].TaskId} under {rows[i - 1].LeaseToken}");
            }
        }

        Assert.Equal(enqueued.Values.Sum(ids => ids.Count), done.Count);

        // At most one task redone per crash: each start without its done row is one crash's or one takeover's.
        var starts = await RowsAsync(connectionString, "SELECT batch_id, task_id, lease_token FROM pgqueue_demo.lambda_task_starts ORDER BY seq");
        Assert.True(starts.Count >= done.Count, $"fewer starts ({starts.Count}) than dones ({done.Count})");
        var redos = starts.Count - done.Count;
        Assert.True(redos <= report.Kills + report.Takeovers + extraRedosAllowed,
            $"{redos} redone task starts, more than {report.Kills} kills + {report.Takeovers} takeovers + {extraRedosAllowed} allowed ({report})");
    }

    public static Task<long> PendingAsync(string connectionString) =>
        Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pgqueue.tasks");

    // While PostgreSQL restarts, the count is unknown (-1): keep the workers going.
    private static async Task<long> PendingOrUnknownAsync(string connectionString)
    {
        try
        {
            return await PendingAsync(connectionString);
        }
        catch (NpgsqlException)
        {
            NpgsqlConnection.ClearAllPools();
            return -1;
        }
    }

    private static TimeSpan NextKill(Random random, TimeSpan now) => now + TimeSpan.FromMilliseconds(random.Next(150, 900));

    private static async Task<List<(string BatchId, long TaskId, long LeaseToken)>> RowsAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(string, long, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }
}
