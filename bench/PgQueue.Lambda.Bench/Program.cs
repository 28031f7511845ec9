// The Lambda bench: what an empty invocation costs (round trips, statements, time) next to a bare SELECT 1, and how
// many 2 s tasks one invocation runs with the default budget next to one task per invocation. It prints figures side
// by side with ratios; it never passes or fails on a timing.
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgQueue;
using PgQueue.Lambda;
using PgQueue.Lambda.Tests.Infrastructure;
using PgQueue.LocalPostgres;
using PgQueue.Migrations;

var warmRuns = Option("--warm-runs", 50);
var taskSeconds = OptionDouble("--task-seconds", 2.0);
var budget = OptionText("--budget", "50s");

var options = new LocalPostgresOptions();
options.ServerSettings["shared_preload_libraries"] = "pg_stat_statements";
await using var cluster = await LocalPostgresCluster.StartAsync(options);
var admin = await cluster.CreateDatabaseAsync("pgqueue_lambda_bench");
await PgQueueMigrator.MigrateAsync(admin);
await ExecuteAsync(admin, "CREATE EXTENSION pg_stat_statements; " +
    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pgqueue_lambda_bench') THEN CREATE ROLE pgqueue_lambda_bench LOGIN; END IF; END $$; " +
    "GRANT pgqueue_worker TO pgqueue_lambda_bench");
await using var counter = new WireProtocolCounter("127.0.0.1", cluster.Port);
var lambdaConnection = new NpgsqlConnectionStringBuilder
{
    Host = "127.0.0.1",
    Port = counter.Port,
    Username = "pgqueue_lambda_bench",
    Database = new NpgsqlConnectionStringBuilder(admin).Database,
    SslMode = SslMode.Disable,
    GssEncryptionMode = GssEncryptionMode.Disable,
}.ConnectionString;

Console.WriteLine($"PgQueue Lambda bench: PostgreSQL {await ScalarAsync<string>(admin, "SHOW server_version")} on loopback, " +
    $"{Environment.ProcessorCount} cores, .NET {Environment.Version}; every figure is this machine's, compare the ratios");
Console.WriteLine();

// 1. Empty invocations.
await using (var function = NewFunction(lambdaConnection, ("PGQUEUE_TIME_BUDGET", budget)))
{
    counter.Reset();
    var cold = Stopwatch.StartNew();
    await InvokeAsync(function);
    cold.Stop();
    var coldRoundTrips = counter.RoundTrips;
    var coldConnections = counter.Connections;

    // The floor: one statement on a warm pooled connection of the same kind of data source, through the same counter.
    // The two are measured alternately, so that a busy machine slows both alike.
    await using var baseline = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(lambdaConnection) { NoResetOnClose = true }.ConnectionString);
    await SelectOneAsync(baseline);
    await ExecuteAsync(admin, "SELECT pg_stat_statements_reset()");
    var warmTimes = new List<double>();
    var selectTimes = new List<double>();
    int warmRoundTrips = 0, warmConnections = 0, selectRoundTrips = 0;
    for (var i = 0; i < warmRuns; i++)
    {
        counter.Reset();
        var warm = Stopwatch.StartNew();
        await InvokeAsync(function);
        warmTimes.Add(warm.Elapsed.TotalMilliseconds);
        warmRoundTrips += counter.RoundTrips;
        warmConnections += counter.Connections;

        counter.Reset();
        var select = Stopwatch.StartNew();
        await SelectOneAsync(baseline);
        selectTimes.Add(select.Elapsed.TotalMilliseconds);
        selectRoundTrips += counter.RoundTrips;
    }

    var warmStatements = await ScalarAsync<long>(admin,
        "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE userid = 'pgqueue_lambda_bench'::regrole " +
        "AND query NOT LIKE 'SELECT $1'") / (double)warmRuns;
    var warmRoundTripsEach = (double)warmRoundTrips / warmRuns;
    var selectRoundTripsEach = (double)selectRoundTrips / warmRuns;
    Console.WriteLine("Empty invocation (nothing to claim)");
    Console.WriteLine("                                      round trips*  statements   new connections   median time");
    Console.WriteLine($"  first invocation (cold pool)        {coldRoundTrips,11}            -   {coldConnections,15}   {Ms(cold.Elapsed.TotalMilliseconds),11}");
    Console.WriteLine($"  warm invocation (median of {warmRuns,3})     {warmRoundTripsEach,11:0.00}   {warmStatements,10:0.00}   {warmConnections,15}   {Ms(Median(warmTimes)),11}");
    Console.WriteLine($"  bare SELECT 1 (median of {warmRuns,3})       {selectRoundTripsEach,11:0.00}   {1.0,10:0.00}   {0,15}   {Ms(Median(selectTimes)),11}");
    Console.WriteLine($"  warm invocation / SELECT 1          {Ratio(warmRoundTripsEach, selectRoundTripsEach),11}   {Ratio(warmStatements, 1),10}   {"",15}   {Ratio(Median(warmTimes), Median(selectTimes)),11}");
    Console.WriteLine();
}

// 2. Tasks per invocation for tasks of --task-seconds.
var taskMs = (int)(taskSeconds * 1000);
var onePerInvocation = await DrainOnceAsync(("PGQUEUE_MAX_TASKS", "1"));
var budgeted = await DrainOnceAsync();
Console.WriteLine($"Tasks of {taskSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s, one invocation on a batch with more work than fits");
Console.WriteLine("                                      tasks   round trips* per task  invocation time");
Console.WriteLine($"  PGQUEUE_MAX_TASKS=1 (seed: 1/call)  {onePerInvocation.Tasks,5}   {onePerInvocation.RoundTripsPerTask,20:0.00}   {Seconds(onePerInvocation.Seconds),15}");
Console.WriteLine($"  default (budget {budget,-6})            {budgeted.Tasks,5}   {budgeted.RoundTripsPerTask,20:0.00}   {Seconds(budgeted.Seconds),15}");
Console.WriteLine($"  budget / one per invocation         {Ratio(budgeted.Tasks, onePerInvocation.Tasks),5}   {Ratio(budgeted.RoundTripsPerTask, onePerInvocation.RoundTripsPerTask),20}   {Ratio(budgeted.Seconds, onePerInvocation.Seconds),15}");
Console.WriteLine($"  budget used by task work            {budgeted.Tasks * taskSeconds / budgeted.Seconds,5:0%}");
Console.WriteLine();
Console.WriteLine("* Sync and simple Query messages the function sent, counted on the wire by a proxy (connection startup not");
Console.WriteLine("  included). A drain sends complete_task; COMMIT; BEGIN; the next dequeue_task as one batch, about one per task;");
Console.WriteLine("  a claim, the first BEGIN and dequeue_task, the last ROLLBACK and a release add one each per invocation. An");
Console.WriteLine("  invocation's first claim is a batch of two statements, enqueue_due_schedules() and claim_batch(), sent with");
Console.WriteLine("  one Sync: one round trip, two statements.");
return 0;

async Task<(int Tasks, double RoundTripsPerTask, double Seconds)> DrainOnceAsync(params (string, string)[] variables)
{
    await ExecuteAsync(admin, "DELETE FROM pgqueue.tasks; DELETE FROM pgqueue.batches");
    await using var function = NewFunction(lambdaConnection, [("PGQUEUE_TIME_BUDGET", budget), .. variables]);
    // Warm the pool on the empty queue, as the schedule's earlier invocations would have.
    await InvokeAsync(function);
    await using (var producer = PgQueueClient.Create(admin))
    {
        var count = (int)Math.Ceiling(60 / taskSeconds) + 5;
        await producer.EnqueueManyAsync("bench", Enumerable.Range(0, count).Select(_ => new SleepTask(taskMs)), DemoTasks.SleepTaskType);
    }

    counter.Reset();
    var stopwatch = Stopwatch.StartNew();
    var result = await function.InvokeAsync(InvocationRequest.Default);
    stopwatch.Stop();
    var finished = result.TasksCompleted + result.TasksFailed + result.TasksDead;
    return (finished, (double)counter.RoundTrips / Math.Max(1, finished), stopwatch.Elapsed.TotalSeconds);
}

static Function NewFunction(string connection, params (string Name, string Value)[] variables)
{
    var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
    map[LambdaSettings.ConnectionVariable] = connection;
    map[LambdaSettings.FunctionNameVariable] = "pgqueue-bench";
    return new Function(DemoTasks.CreateRegistry(), name => map.GetValueOrDefault(name), Stream.Null);
}

static async Task InvokeAsync(Function function, string input = "{}")
{
    await using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(input));
    await using var response = await function.HandleAsync(stream);
}

static async Task SelectOneAsync(NpgsqlDataSource dataSource)
{
    await using var command = dataSource.CreateCommand("SELECT 1");
    await command.ExecuteScalarAsync();
}

static async Task ExecuteAsync(string connectionString, string sql)
{
    await using var dataSource = NpgsqlDataSource.Create(connectionString);
    await using var command = dataSource.CreateCommand(sql);
    await command.ExecuteNonQueryAsync();
}

static async Task<T> ScalarAsync<T>(string connectionString, string sql)
{
    await using var dataSource = NpgsqlDataSource.Create(connectionString);
    await using var command = dataSource.CreateCommand(sql);
    return (T)(await command.ExecuteScalarAsync())!;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

static string Ms(double milliseconds) => milliseconds.ToString("0.00", CultureInfo.InvariantCulture) + " ms";

static string Seconds(double seconds) => seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

static string Ratio(double value, double baseline) =>
    baseline == 0 ? "-" : (value / baseline).ToString("0.0#", CultureInfo.InvariantCulture) + "×";

int Option(string name, int fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

double OptionDouble(string name, double fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

string OptionText(string name, string fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
