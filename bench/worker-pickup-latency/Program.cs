// Worker pickup latency: how long an idle worker host takes from an enqueue to the start of the task's handler,
// with LISTEN/NOTIFY and, in the same run, with polling only (same poll interval). Starts a throwaway PostgreSQL.
//   dotnet run -c Release --project bench/worker-pickup-latency -- [tasks] [poll-interval-ms]
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PgQueue;
using PgQueue.LocalPostgres;
using PgQueue.Migrations;
using PgQueue.Worker;

var tasks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 40;
var pollInterval = TimeSpan.FromMilliseconds(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000);
const int Concurrency = 2;

Console.WriteLine($"Starting a throwaway PostgreSQL; {tasks} tasks per mode, one at a time, idle poll every {pollInterval.TotalMilliseconds} ms, {Concurrency} loops");
await using var cluster = await LocalPostgresCluster.StartAsync();
var connectionString = await cluster.CreateDatabaseAsync("pgqueue_bench");
await PgQueueMigrator.MigrateAsync(connectionString);
await using var client = PgQueueClient.Create(connectionString);

var listen = await MeasureAsync(listen: true);
var poll = await MeasureAsync(listen: false);

Console.WriteLine();
Console.WriteLine("enqueue → handler start (ms)   p50      p99      mean     max");
Print("LISTEN/NOTIFY + poll", listen);
Print("poll only", poll);
Console.WriteLine($"poll-only / LISTEN: p50 {Percentile(poll, 50) / Percentile(listen, 50):F0}x, p99 {Percentile(poll, 99) / Percentile(listen, 99):F0}x");
return 0;

async Task<List<double>> MeasureAsync(bool listen)
{
    var starts = new ConcurrentDictionary<int, TaskCompletionSource<long>>();
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["PgQueue:ConnectionString"] = connectionString,
        ["PgQueue:Worker:Concurrency"] = Concurrency.ToString(CultureInfo.InvariantCulture),
        ["PgQueue:Worker:IdlePollInterval"] = pollInterval.ToString("c", CultureInfo.InvariantCulture),
        ["PgQueue:Worker:Listen"] = listen ? "true" : "false",
        ["PgQueue:Worker:DemoHandlers"] = "false",
    });
    builder.Services.AddPgQueueWorkerHost();
    builder.Services.AddTaskHandlers(registry => registry.Register<Mark>("bench.mark", (task, _) =>
    {
        var startedAt = Stopwatch.GetTimestamp();
        starts.GetOrAdd(task.Payload.Seq, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(startedAt);
        return Task.CompletedTask;
    }));
    using var host = builder.Build();
    await host.StartAsync();
    var status = host.Services.GetRequiredService<PgQueueWorkerHostStatus>();

    var latencies = new List<double>();
    var batchId = listen ? "bench-listen" : "bench-poll";
    for (var seq = 0; seq <= tasks; seq++)
    {
        while (status.IdleLoops < Concurrency || (listen && !status.IsListening))
        {
            await Task.Delay(5);
        }

        // A random gap, so enqueues fall anywhere in the loops' poll cycle.
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 50 + (int)pollInterval.TotalMilliseconds)));
        var enqueuedAt = Stopwatch.GetTimestamp();
        await client.EnqueueAsync(batchId, new Mark(seq), new EnqueueOptions { TaskType = "bench.mark" });
        var startedAt = await starts.GetOrAdd(seq, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromMinutes(1));
        if (seq > 0)
        {
            // Task 0 warms up JIT and pools.
            latencies.Add(Stopwatch.GetElapsedTime(enqueuedAt, startedAt).TotalMilliseconds);
        }

        Console.Write(listen ? "L" : "P");
    }

    Console.WriteLine();
    await host.StopAsync();
    return latencies;
}

static double Percentile(List<double> values, int percentile)
{
    var sorted = values.Order().ToList();
    var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
    return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
}

static void Print(string mode, List<double> values) =>
    Console.WriteLine($"{mode,-30} {Percentile(values, 50),7:F1}  {Percentile(values, 99),7:F1}  {values.Average(),7:F1}  {values.Max(),7:F1}");

internal sealed record Mark(int Seq);
