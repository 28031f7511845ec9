using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgQueue.LocalPostgres;
using PgQueue.Migrations;

namespace PgQueue.Cli.Demo;

/// <summary>
/// <c>pgqueue demo</c>: enqueues tasks into a few batches, lets competing workers process them through the SQL
/// contract, shows progress, and ends with a verification computed from what committed.
/// </summary>
internal sealed class DemoRun(DemoSettings settings, ILoggerFactory loggerFactory, TextWriter output)
{
    private const string TaskType = "demo.simulated-work";
    private readonly Guid _runId = Guid.NewGuid();
    private readonly ConcurrentDictionary<string, string> _runningIn = new(StringComparer.Ordinal);
    private int _failuresInjected;

    /// <summary>Runs the demo; returns the process exit code (0 when the verification holds).</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        output.WriteLine("PgQueue demo");
        LocalPostgresCluster? cluster = null;
        try
        {
            string connectionString;
            if (settings.Connection is { } given)
            {
                connectionString = given;
                output.WriteLine($"  database   {Describe(given)} (given)");
            }
            else
            {
                output.WriteLine("  database   starting a throwaway PostgreSQL (no --connection or PGQUEUE_CONNECTION given) ...");
                cluster = await LocalPostgresCluster.StartAsync(
                    new LocalPostgresOptions { Logger = loggerFactory.CreateLogger<LocalPostgresCluster>() },
                    cancellationToken).ConfigureAwait(false);
                connectionString = cluster.ConnectionString;
                output.WriteLine($"  database   throwaway PostgreSQL on 127.0.0.1:{cluster.Port}, removed at exit");
            }

            var migration = await PgQueueMigrator.MigrateAsync(
                connectionString, loggerFactory.CreateLogger("PgQueue.Migrations"), cancellationToken).ConfigureAwait(false);
            output.WriteLine(
                $"  migrate    {migration.AppliedMigrations.Count} migration(s) applied, " +
                $"{migration.ReappliedScripts.Count} function and view scripts re-applied");

            return await RunOnDatabaseAsync(connectionString, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync().ConfigureAwait(false);
                output.WriteLine("  database   throwaway PostgreSQL stopped and removed");
            }
        }
    }

    private async Task<int> RunOnDatabaseAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString)
        {
            // Each worker holds a task connection and, while a task runs, a heartbeat connection.
            MaxPoolSize = settings.Workers * 2 + 6,
            ApplicationName = "pgqueue-demo",
        }.ConnectionString);
        builder.UseLoggerFactory(loggerFactory);
        await using var dataSource = builder.Build();
        await using var client = new PgQueueClient(dataSource, loggerFactory: loggerFactory);

        await CreateDemoTablesAsync(dataSource, cancellationToken).ConfigureAwait(false);
        var perBatch = await EnqueueAsync(client, cancellationToken).ConfigureAwait(false);

        output.WriteLine(
            $"  workers    {settings.Workers} competing workers, lease {settings.Lease.TotalSeconds:0.#}s, " +
            $"at most {MaxTasksPerClaim} tasks per claim, then the batch goes back to the pool");
        output.WriteLine();

        var stopwatch = Stopwatch.StartNew();
        using var stopWorkers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(1, settings.Workers)
            .Select(i => RunWorkerAsync(client, dataSource, $"worker-{i}", stopWorkers.Token))
            .ToList();

        var finished = await WaitForCompletionAsync(dataSource, perBatch, stopwatch, cancellationToken).ConfigureAwait(false);
        var elapsed = stopwatch.Elapsed;
        await stopWorkers.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(workers).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();

        output.WriteLine();
        var verification = await DemoVerification.ComputeAsync(dataSource, _runId, perBatch, cancellationToken).ConfigureAwait(false);
        return verification.Report(output, finished, elapsed, settings, _failuresInjected);
    }

    private int MaxTasksPerClaim => Math.Max(1, Math.Min(5, settings.Tasks / Math.Max(1, settings.Batches.Count) / 2));

    private static async Task CreateDemoTablesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        // The demo's own bookkeeping, written by the task handlers: a 'run' row commits in the task's transaction,
        // exactly when complete_task does; a 'start' row commits at once, so redone work shows too.
        await using var command = dataSource.CreateCommand(
            """
            CREATE SCHEMA IF NOT EXISTS pgqueue_demo;
            CREATE TABLE IF NOT EXISTS pgqueue_demo.task_runs (
              seq bigserial PRIMARY KEY,
              run_id uuid NOT NULL,
              task_id bigint NOT NULL,
              batch_id text NOT NULL,
              n integer NOT NULL,
              lease_token bigint NOT NULL,
              worker text NOT NULL,
              attempts integer NOT NULL,
              started_at timestamptz NOT NULL,
              finished_at timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE IF NOT EXISTS pgqueue_demo.task_starts (
              seq bigserial PRIMARY KEY,
              run_id uuid NOT NULL,
              task_id bigint NOT NULL,
              worker text NOT NULL,
              started_at timestamptz NOT NULL DEFAULT clock_timestamp());
            """);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyDictionary<string, int>> EnqueueAsync(PgQueueClient client, CancellationToken cancellationToken)
    {
        var perBatch = settings.Batches.ToDictionary(b => b, _ => 0, StringComparer.Ordinal);
        var payloads = settings.Batches.ToDictionary(b => b, _ => new List<DemoPayload>(), StringComparer.Ordinal);
        for (var i = 0; i < settings.Tasks; i++)
        {
            var batch = settings.Batches[i % settings.Batches.Count];
            var n = ++perBatch[batch];
            var flaky = settings.FlakyEvery > 0 && (i + 1) % settings.FlakyEvery == 0;
            payloads[batch].Add(new DemoPayload(_runId, batch, n, flaky));
        }
        foreach (var (batch, list) in payloads)
        {
            foreach (var chunk in list.Chunk(1000))
            {
                await client.EnqueueManyAsync(batch, chunk, TaskType, cancellationToken).ConfigureAwait(false);
            }
        }
        var flakyCount = payloads.Values.Sum(l => l.Count(p => p.Flaky));
        output.WriteLine(
            $"  enqueue    {settings.Tasks} tasks into batches {string.Join(", ", settings.Batches)} " +
            $"({string.Join(", ", perBatch.Select(kv => $"{kv.Key}: {kv.Value}"))}), task time {settings.TaskTime}" +
            (flakyCount > 0 ? $", {flakyCount} of them fail their first attempt" : ""));
        return perBatch;
    }

    private async Task RunWorkerAsync(PgQueueClient client, NpgsqlDataSource dataSource, string workerId, CancellationToken cancellationToken)
    {
        var handlers = new TaskHandlerRegistry().Register<DemoPayload>(
            TaskType, (context, token) => HandleAsync(context, dataSource, workerId, token));
        var worker = new PgQueueWorker(client, handlers, new PgQueueWorkerOptions
        {
            WorkerId = workerId,
            Lease = settings.Lease,
            MaxTasksPerClaim = MaxTasksPerClaim,
            IdlePollInterval = TimeSpan.FromMilliseconds(100),
        });
        await worker.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task HandleAsync(TaskContext<DemoPayload> context, NpgsqlDataSource dataSource, string workerId, CancellationToken cancellationToken)
    {
        _runningIn[context.BatchId] = workerId;
        try
        {
            await using (var start = dataSource.CreateCommand(
                "INSERT INTO pgqueue_demo.task_starts (run_id, task_id, worker) VALUES ($1, $2, $3)"))
            {
                start.Parameters.Add(new() { Value = context.Payload.RunId });
                start.Parameters.Add(new() { Value = context.TaskId });
                start.Parameters.Add(new() { Value = workerId });
                await start.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            DateTime startedAt;
            await using (var clock = new NpgsqlCommand("SELECT clock_timestamp()", context.Connection, context.Transaction))
            {
                startedAt = (DateTime)(await clock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }

            await Task.Delay(settings.TaskTime.Next(), cancellationToken).ConfigureAwait(false);

            if (context.Payload.Flaky && context.Attempts == 0)
            {
                Interlocked.Increment(ref _failuresInjected);
                throw new InvalidOperationException($"simulated failure of task {context.TaskId} on its first attempt");
            }

            // The handler's own write, in the task's transaction: it commits with complete_task or not at all.
            await using var run = new NpgsqlCommand(
                "INSERT INTO pgqueue_demo.task_runs (run_id, task_id, batch_id, n, lease_token, worker, attempts, started_at) " +
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", context.Connection, context.Transaction);
            run.Parameters.Add(new() { Value = context.Payload.RunId });
            run.Parameters.Add(new() { Value = context.TaskId });
            run.Parameters.Add(new() { Value = context.BatchId });
            run.Parameters.Add(new() { Value = context.Payload.N });
            run.Parameters.Add(new() { Value = context.LeaseToken });
            run.Parameters.Add(new() { Value = workerId });
            run.Parameters.Add(new() { Value = context.Attempts });
            run.Parameters.Add(new() { Value = startedAt });
            await run.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _runningIn.TryRemove(new KeyValuePair<string, string>(context.BatchId, workerId));
        }
    }

    private async Task<bool> WaitForCompletionAsync(
        NpgsqlDataSource dataSource, IReadOnlyDictionary<string, int> perBatch, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        // Generous: three times the serial time of the longest batch, plus slack for retries' backoff.
        var longest = perBatch.Values.DefaultIfEmpty(0).Max();
        var deadline = TimeSpan.FromTicks(settings.TaskTime.Max.Ticks * longest * 3) + TimeSpan.FromSeconds(60);
        var interactive = !Console.IsOutputRedirected;
        var reportEvery = interactive ? TimeSpan.FromSeconds(0.5) : TimeSpan.FromSeconds(2);
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var done = await CountDoneAsync(dataSource, cancellationToken).ConfigureAwait(false);
            var total = done.Values.Sum();
            var complete = total >= settings.Tasks;
            if (complete || stopwatch.Elapsed - lastReport >= reportEvery)
            {
                lastReport = stopwatch.Elapsed;
                var line = ProgressLine(stopwatch.Elapsed, done, total, perBatch);
                if (interactive)
                {
                    output.Write("\r" + line.PadRight(Math.Min(Console.WindowWidth > 0 ? Console.WindowWidth - 1 : 120, 160)));
                }
                else
                {
                    output.WriteLine(line);
                }
            }
            if (complete)
            {
                if (interactive)
                {
                    output.WriteLine();
                }
                return true;
            }
            if (stopwatch.Elapsed > deadline)
            {
                output.WriteLine();
                output.WriteLine($"  gave up waiting after {stopwatch.Elapsed.TotalSeconds:0}s: {total} of {settings.Tasks} tasks done");
                return false;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    private string ProgressLine(TimeSpan elapsed, IReadOnlyDictionary<string, int> done, int total, IReadOnlyDictionary<string, int> perBatch)
    {
        var batches = string.Join(" | ", perBatch.Keys.Take(6).Select(b =>
            $"{b} {done.GetValueOrDefault(b)}/{perBatch[b]} {(_runningIn.TryGetValue(b, out var w) ? w : "-")}"));
        if (perBatch.Count > 6)
        {
            batches += $" | +{perBatch.Count - 6} batches";
        }
        var rate = elapsed.TotalSeconds > 0 ? total / elapsed.TotalSeconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"[{elapsed.TotalSeconds,6:0.0}s] {total}/{settings.Tasks} done | {batches} | {rate:0.0} tasks/s | {_failuresInjected} failed once");
    }

    private async Task<Dictionary<string, int>> CountDoneAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT batch_id, count(*)::int FROM pgqueue_demo.task_runs WHERE run_id = $1 GROUP BY batch_id");
        command.Parameters.Add(new() { Value = _runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var done = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            done[reader.GetString(0)] = reader.GetInt32(1);
        }
        return done;
    }

    private static string Describe(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        }
        catch (ArgumentException)
        {
            return "the given database";
        }
    }
}

/// <summary>A demo task: which run and batch it belongs to, its place in the batch, and whether it fails once.</summary>
internal sealed record DemoPayload(Guid RunId, string Batch, int N, bool Flaky);
