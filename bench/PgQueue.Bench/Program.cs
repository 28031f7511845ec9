// The driver behind bench/run.sh. Each command prints one JSON object on stdout (progress goes to stderr); run.sh
// turns them into bench/RESULTS.md. Figures are this machine's: compare the ratios. Nothing here passes or fails on a
// timing.
//   cluster --ready-file F [--durable]
//                                   start a throwaway PostgreSQL (LocalPostgresCluster defaults + pg_stat_statements),
//                                   write its connection string to F, run until SIGTERM/SIGINT, then remove it;
//                                   --durable: commits are flushed (fsync, synchronous_commit, full_page_writes on),
//                                   as on a production server, instead of the demo's fast throwaway settings
//   migrate --connection C          apply the schema (pgqueue migrate)
//   cycle   --connection C --workers N --batches B --tasks-per-batch K [--history on|off] [--count-round-trips]
//           [--warmup-batches W] [--auto-prepare] [--jit-warmup MAX_SECONDS]
//           zero-work tasks through PgQueueWorker.RunAsync until all B×K are done; tasks/s, FIFO per batch, commits
//           per task, and (with --count-round-trips) wire round trips per task through a counting proxy. With
//           --warmup-batches, W more batches of K tasks (at most the worker's MaxTasksPerClaim) are claimed first
//           and the clock starts when they are done (plan caches and the pool settle first, as pgbench's
//           connections are set up before its clock).
//           --jit-warmup: before that, rounds of W batches run through the same workers until the JIT is quiet
//           (tiered compilation recompiles hot methods on a background thread for seconds after start; a
//           long-running worker pays that once, pgbench never): a round of at least 0.5 s that spent < 0.5% of its
//           time compiling, after at least 2 rounds, at most 40 rounds or MAX_SECONDS. The JIT time left inside the
//           timed window is printed.
//           --auto-prepare: Npgsql prepares repeated statements (Max Auto Prepare=20, Auto Prepare Min Usages=2)
//   enqueue --connection C --clients N --seconds S [--many 1000]
//           single enqueue (one task per transaction), or enqueue_many with --many payloads per call
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text.Json;
using Npgsql;
using PgQueue;
using PgQueue.Lambda.Tests.Infrastructure;
using PgQueue.LocalPostgres;
using PgQueue.Bench;
using PgQueue.Migrations;

const string TaskType = "bench.noop";

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: PgQueue.Bench cluster|migrate|cycle|enqueue [options]  (see bench/run.sh)");
    return 2;
}

try
{
    return args[0] switch
    {
        "cluster" => await ClusterAsync(),
        "migrate" => await MigrateAsync(),
        "cycle" => await CycleAsync(),
        "enqueue" => await EnqueueAsync(),
        _ => Fail($"unknown command '{args[0]}'"),
    };
}
catch (ArgumentException exception)
{
    return Fail(exception.Message);
}

async Task<int> ClusterAsync()
{
    var readyFile = Text("--ready-file");
    var options = new LocalPostgresOptions { Fsync = args.Contains("--durable") };
    // The one setting added to the demo's embedded default: statement counts for the round-trip figures.
    options.ServerSettings["shared_preload_libraries"] = "pg_stat_statements";
    await using var cluster = await LocalPostgresCluster.StartAsync(options);
    var connection = await cluster.CreateDatabaseAsync("pgqueue_bench");
    await using (var dataSource = NpgsqlDataSource.Create(connection))
    await using (var command = dataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
    {
        await command.ExecuteNonQueryAsync();
    }

    var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stopping.TrySetResult(); });
    using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stopping.TrySetResult(); });
    await File.WriteAllTextAsync(readyFile + ".tmp", connection);
    File.Move(readyFile + ".tmp", readyFile, overwrite: true);
    Console.Error.WriteLine($"cluster: PostgreSQL on port {cluster.Port}, data in {cluster.DataDirectory}");
    await stopping.Task;
    Console.Error.WriteLine("cluster: stopping and removing");
    return 0;
}

async Task<int> MigrateAsync()
{
    var result = await PgQueueMigrator.MigrateAsync(Text("--connection"));
    Console.Error.WriteLine($"migrate: {result}");
    return 0;
}

async Task<int> CycleAsync()
{
    var connection = Text("--connection");
    var workers = Int("--workers", 4);
    var batches = Int("--batches", 200);
    var perBatch = Int("--tasks-per-batch", 50);
    var history = Text("--history", "off");
    var countRoundTrips = args.Contains("--count-round-trips");
    var warmupBatches = args.Contains("--warmup-batches") ? Int("--warmup-batches", 1) : 0;
    var autoPrepare = args.Contains("--auto-prepare");
    var jitWarmup = args.Contains("--jit-warmup");
    var jitWarmupLimit = jitWarmup ? TimeSpan.FromSeconds(Int("--jit-warmup", 120)) : TimeSpan.Zero;
    var measured = batches * perBatch;
    // A warm-up batch is drained in one claim: a batch released with tasks left goes behind every batch whose head has
    // waited longer (claim_batch's round robin), so its rest would finish among the measured ones and start the clock late.
    var warmupPerBatch = Math.Min(perBatch, new PgQueueWorkerOptions().MaxTasksPerClaim);
    var warmupTotal = warmupBatches * warmupPerBatch;
    var total = measured + warmupTotal;

    await ExecuteAsync(connection,
        "TRUNCATE pgqueue.tasks, pgqueue.batches, pgqueue.dead_tasks, pgqueue.completed_tasks_history; " +
        (history == "on" ? "UPDATE pgqueue.settings SET keep_completed = interval '1 day'" : "UPDATE pgqueue.settings SET keep_completed = NULL"));
    WireProtocolCounter? counter = null;
    var workerConnection = connection;
    if (autoPrepare)
    {
        workerConnection = new NpgsqlConnectionStringBuilder(connection) { MaxAutoPrepare = 20, AutoPrepareMinUsages = 2 }.ConnectionString;
    }

    if (countRoundTrips)
    {
        var builder = new NpgsqlConnectionStringBuilder(workerConnection);
        counter = new WireProtocolCounter(builder.Host!, builder.Port);
        builder.Host = "127.0.0.1";
        builder.Port = counter.Port;
        builder.SslMode = SslMode.Disable;
        builder.GssEncryptionMode = GssEncryptionMode.Disable;
        workerConnection = builder.ConnectionString;
    }

    var client = PgQueueClient.Create(workerConnection);
    // Warm the pool and the plans, so the figure is the steady state.
    await using (var warm = await client.DataSource.OpenConnectionAsync())
    {
        await using var command = new NpgsqlCommand("SELECT 1", warm);
        await command.ExecuteScalarAsync();
    }

    var handlers = new TaskHandlerRegistry().Register<JsonElement>(TaskType, static (_, _) => Task.CompletedTask);
    var payloads = Enumerable.Range(0, perBatch).Select(i => $"{{\"i\":{i}}}").ToArray();
    var (jitRounds, jitSeconds) = jitWarmup
        ? await JitWarmupAsync(client, handlers, workers, Math.Max(1, warmupBatches), payloads, jitWarmupLimit)
        : (0, 0.0);
    if (jitWarmup)
    {
        // The rounds' drained batches go, so the timed run sees the same queue as without them; and their pooled
        // connections close, so their backends flush the rounds' commits before the count below starts (a backend
        // reports its statistics at most once a second while it lives). The warm-up batches open new ones.
        await ExecuteAsync(connection, "DELETE FROM pgqueue.batches WHERE batch_id LIKE 'jit-%'");
        client.DataSource.Clear();
        await Task.Delay(TimeSpan.FromMilliseconds(300));
    }

    // Enqueued after the JIT rounds, warm-up batches first: claim_batch takes the longest-due head first, so the
    // warm-up batches go before the measured ones.
    await using (var producer = PgQueueClient.Create(connection))
    {
        for (var b = 0; b < warmupBatches; b++)
        {
            await producer.EnqueueManyAsync($"warm-{b:D6}", payloads[..warmupPerBatch], TaskType);
        }

        for (var b = 0; b < batches; b++)
        {
            await producer.EnqueueManyAsync($"bench-{b:D6}", payloads, TaskType);
        }
    }

    await ExecuteAsync(connection, "VACUUM ANALYZE pgqueue.tasks");
    await ExecuteAsync(connection, "VACUUM ANALYZE pgqueue.batches");
    var commitsBefore = await CommitsAsync(connection);
    counter?.Reset();
    var done = 0;
    var warmDone = 0;
    var measuredDone = 0;
    var measuredDoneAtStart = 0;
    var fifoViolations = 0;
    var lastIdOfBatch = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
    var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    using var stop = new CancellationTokenSource();
    var jitAtStart = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
    var postmaster = await PostmasterPidAsync(connection);
    var cpuAtStart = CpuSample.Take(postmaster);
    var stopwatch = Stopwatch.StartNew();
    var runs = Enumerable.Range(0, workers).Select(w => new PgQueueWorker(client, handlers, new PgQueueWorkerOptions
    {
        WorkerId = $"bench-worker-{w}",
        IdlePollInterval = TimeSpan.FromMilliseconds(20),
        TaskFinished = finished =>
        {
            if (finished.Outcome != TaskRunOutcome.Completed)
            {
                return;
            }

            // One owner per batch at a time, and TaskFinished runs after the commit: ids must only grow.
            var previous = lastIdOfBatch.GetValueOrDefault(finished.BatchId);
            if (finished.TaskId < previous)
            {
                Interlocked.Increment(ref fifoViolations);
            }

            lastIdOfBatch[finished.BatchId] = finished.TaskId;
            if (finished.BatchId.StartsWith("warm-", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref warmDone) == warmupTotal)
                {
                    // The clock restarts here; measured tasks finished before it are not counted.
                    measuredDoneAtStart = Volatile.Read(ref measuredDone);
                    jitAtStart = (JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());
                    cpuAtStart = CpuSample.Take(postmaster);
                    stopwatch.Restart();
                }
            }
            else
            {
                Interlocked.Increment(ref measuredDone);
            }

            if (Interlocked.Increment(ref done) == total)
            {
                allDone.TrySetResult();
            }
        },
    }).RunAsync(stop.Token)).ToArray();

    var finishedInTime = await Task.WhenAny(allDone.Task, Task.Delay(TimeSpan.FromMinutes(10))) == allDone.Task;
    stopwatch.Stop();
    var cpu = CpuSample.Take(postmaster) - cpuAtStart;
    var jitMethodsTimed = JitInfo.GetCompiledMethodCount() - jitAtStart.Item1;
    var jitTimeTimed = JitInfo.GetCompilationTime() - jitAtStart.Item2;
    var roundTrips = counter?.RoundTrips ?? 0;
    await stop.CancelAsync();
    await Task.WhenAll(runs);
    // Closed backends flush their statistics, so the commit count is complete.
    await client.DisposeAsync();
    await Task.Delay(TimeSpan.FromMilliseconds(300));
    var commits = await CommitsAsync(connection) - commitsBefore;
    if (counter is not null)
    {
        await counter.DisposeAsync();
    }

    var left = await ScalarAsync<long>(connection, "SELECT count(*) FROM pgqueue.tasks");
    await ExecuteAsync(connection, "UPDATE pgqueue.settings SET keep_completed = NULL");
    var seconds = stopwatch.Elapsed.TotalSeconds;
    var timed = measured - measuredDoneAtStart;
    Print(new Dictionary<string, object?>
    {
        ["workers"] = workers,
        ["batches"] = batches,
        ["tasks_per_batch"] = perBatch,
        ["tasks"] = done,
        ["warmup_tasks"] = warmupTotal,
        ["timed_tasks"] = timed,
        ["auto_prepare"] = autoPrepare,
        ["history"] = history,
        ["seconds"] = Math.Round(seconds, 3),
        ["tasks_per_s"] = Math.Round(timed / seconds, 1),
        ["commits_per_task"] = Math.Round((double)commits / Math.Max(1, done), 3),
        ["round_trips_per_task"] = countRoundTrips ? Math.Round((double)roundTrips / Math.Max(1, done), 3) : null,
        ["client_cpu_us_per_task"] = Math.Round(cpu.Client.TotalMicroseconds / Math.Max(1, timed), 1),
        ["server_cpu_us_per_task"] = cpu.Server is { } server ? Math.Round(server.TotalMicroseconds / Math.Max(1, timed), 1) : null,
        ["machine_busy"] = cpu.MachineBusy is { } busy ? Math.Round(busy, 3) : null,
        ["jit_warmup_rounds"] = jitRounds,
        ["jit_warmup_seconds"] = Math.Round(jitSeconds, 1),
        ["jit_methods_timed"] = jitMethodsTimed,
        ["jit_ms_timed"] = Math.Round(jitTimeTimed.TotalMilliseconds, 1),
        ["fifo_ok"] = fifoViolations == 0,
        ["complete"] = finishedInTime && left == 0 && done == total,
    });
    return finishedInTime && left == 0 ? 0 : 1;
}

async Task<int> EnqueueAsync()
{
    var connection = Text("--connection");
    var clients = Int("--clients", 4);
    var seconds = double.Parse(Text("--seconds", "3"), CultureInfo.InvariantCulture);
    var many = args.Contains("--many") ? Int("--many", 1000) : 0;
    await ExecuteAsync(connection, "TRUNCATE pgqueue.tasks, pgqueue.batches");
    await using var client = PgQueueClient.Create(connection);
    var payloads = Enumerable.Range(0, Math.Max(1, many)).Select(i => $"{{\"i\":{i}}}").ToArray();
    // One warm-up call per client, so the pool and the plans are ready.
    for (var c = 0; c < clients; c++)
    {
        await client.EnqueueAsync($"warm-{c}", "{}", new EnqueueOptions { TaskType = TaskType });
    }

    var deadline = Stopwatch.StartNew();
    var counts = await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        long tasks = 0;
        var batchId = $"enqueue-{c:D3}";
        do
        {
            if (many > 0)
            {
                tasks += (await client.EnqueueManyAsync(batchId, payloads, TaskType)).Count;
            }
            else
            {
                await client.EnqueueAsync(batchId, payloads[0], new EnqueueOptions { TaskType = TaskType });
                tasks++;
            }
        }
        while (deadline.Elapsed.TotalSeconds < seconds);

        return tasks;
    }));
    var elapsed = deadline.Elapsed.TotalSeconds;
    var total = counts.Sum();
    await ExecuteAsync(connection, "TRUNCATE pgqueue.tasks, pgqueue.batches");
    Print(new Dictionary<string, object?>
    {
        ["mode"] = many > 0 ? "enqueue_many" : "enqueue",
        ["per_call"] = Math.Max(1, many),
        ["clients"] = clients,
        ["tasks"] = total,
        ["seconds"] = Math.Round(elapsed, 3),
        ["tasks_per_s"] = Math.Round(total / elapsed, 1),
    });
    return 0;
}

// Rounds of zero-work batches through the same worker code until a round spends < 0.5% of its time in the JIT
// (JitInfo counts every method the JIT compiled in this process and the time it took, background tiering included).
static async Task<(int Rounds, double Seconds)> JitWarmupAsync(
    PgQueueClient client, TaskHandlerRegistry handlers, int workers, int batchesPerRound, string[] payloads, TimeSpan limit)
{
    const int MinRounds = 2, MaxRounds = 40;
    var total = Stopwatch.StartNew();
    var round = 0;
    while (true)
    {
        round++;
        for (var b = 0; b < batchesPerRound; b++)
        {
            await client.EnqueueManyAsync($"jit-{round:D3}-{b:D6}", payloads, TaskType);
        }

        var tasks = batchesPerRound * payloads.Length;
        var done = 0;
        var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var jitBefore = JitInfo.GetCompilationTime();
        var methodsBefore = JitInfo.GetCompiledMethodCount();
        var clock = Stopwatch.StartNew();
        var runs = Enumerable.Range(0, workers).Select(w => new PgQueueWorker(client, handlers, new PgQueueWorkerOptions
        {
            WorkerId = $"bench-jit-{w}",
            IdlePollInterval = TimeSpan.FromMilliseconds(20),
            TaskFinished = _ =>
            {
                if (Interlocked.Increment(ref done) == tasks)
                {
                    allDone.TrySetResult();
                }
            },
        }).RunAsync(stop.Token)).ToArray();
        if (await Task.WhenAny(allDone.Task, Task.Delay(TimeSpan.FromMinutes(2))) != allDone.Task)
        {
            throw new InvalidOperationException($"JIT warm-up round {round} did not finish its {tasks} tasks in 2 minutes");
        }

        var share = (JitInfo.GetCompilationTime() - jitBefore) / clock.Elapsed;
        var methods = JitInfo.GetCompiledMethodCount() - methodsBefore;
        await stop.CancelAsync();
        await Task.WhenAll(runs);
        Console.Error.WriteLine(
            $"cycle: JIT warm-up round {round}: {tasks} tasks in {clock.Elapsed.TotalSeconds:F2} s, {methods} methods compiled, {share:P1} of the round in the JIT");
        // A round shorter than half a second proves little: tier-up waits 100 ms after the last new method, then compiles.
        if ((round >= MinRounds && share < 0.005 && clock.Elapsed >= TimeSpan.FromSeconds(0.5)) || round >= MaxRounds || total.Elapsed > limit)
        {
            return (round, total.Elapsed.TotalSeconds);
        }
    }
}

// The server's main process: the parent of a session's backend, read while the session is open (null when the server
// is not local).
static async Task<int?> PostmasterPidAsync(string connection)
{
    await using var session = new NpgsqlConnection(connection);
    await session.OpenAsync();
    await using var command = new NpgsqlCommand("SELECT pg_backend_pid()", session);
    return CpuSample.PostmasterOf((int)(await command.ExecuteScalarAsync())!);
}

static Task<long> CommitsAsync(string connection) =>
    ScalarAsync<long>(connection, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");

static async Task ExecuteAsync(string connection, string sql)
{
    await using var dataSource = NpgsqlDataSource.Create(connection);
    await using var command = dataSource.CreateCommand(sql);
    await command.ExecuteNonQueryAsync();
}

static async Task<T> ScalarAsync<T>(string connection, string sql)
{
    await using var dataSource = NpgsqlDataSource.Create(connection);
    await using var command = dataSource.CreateCommand(sql);
    return (T)(await command.ExecuteScalarAsync())!;
}

static void Print(Dictionary<string, object?> figures) => Console.WriteLine(JsonSerializer.Serialize(figures));

static int Fail(string message)
{
    Console.Error.WriteLine($"PgQueue.Bench: {message}");
    return 2;
}

string Text(string name, string? fallback = null)
{
    var index = Array.IndexOf(args, name);
    if (index >= 0 && index + 1 < args.Length)
    {
        return args[index + 1];
    }

    return fallback ?? throw new ArgumentException($"{name} is required");
}

int Int(string name, int fallback) =>
    int.TryParse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
        ? value
        : throw new ArgumentException($"{name} must be a positive integer");
