using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using PgQueue.Cli.Demo;
using PgQueue.Lambda;

namespace PgQueue.Cli;

/// <summary>
/// <c>pgqueue lambda-local</c>: runs the Lambda's handler on a local schedule, with N function instances standing for N
/// execution environments (each with its own data source), for local use and for chaos tests.
/// </summary>
/// <remarks>
/// Every tick invokes each instance once, at the same moment, with a scheduled event, and waits for them; the next tick
/// comes <c>--every</c> after the previous one started, or at once if that moment has passed (in AWS a late tick would
/// start another execution environment instead). The instances' JSON log and metric lines go to standard output; the
/// runner's own lines go to standard error. Exit codes: 0 every invocation ran, 1 some invocation failed (e.g. the
/// database was unreachable), 2 bad options or configuration, 130 interrupted.
/// </remarks>
internal static class LambdaLocalCommand
{
    private const string FunctionName = "pgqueue-local";

    public static Command Create()
    {
        var connection = ConnectionOption.Create();
        var every = new Option<string>("--every") { Description = "Time between ticks (60s, 500ms, 2m; 0 = back to back)", DefaultValueFactory = _ => "60s" };
        var concurrency = new Option<int>("--concurrency", "-n") { Description = "Function instances invoked at every tick (execution environments)", DefaultValueFactory = _ => 1 };
        var invocations = new Option<int>("--invocations") { Description = "Invoke each instance this many times, then exit (0 = until Ctrl+C)", DefaultValueFactory = _ => 0 };
        var untilEmpty = new Option<bool>("--until-empty") { Description = "Exit after a tick in which every invocation found nothing to do" };
        var budget = new Option<string?>("--budget") { Description = $"Time budget per invocation (sets {LambdaSettings.TimeBudgetVariable}; default 50s)" };
        var maxTasks = new Option<string?>("--max-tasks") { Description = $"Tasks per invocation at most (sets {LambdaSettings.MaxTasksVariable}; 1 = one task per invocation)" };
        var lease = new Option<string?>("--lease") { Description = $"Lease length (sets {LambdaSettings.LeaseVariable}; default: the database setting)" };
        var preferredBatch = new Option<string?>("--preferred-batch") { Description = $"Batch to claim first (sets {LambdaSettings.PreferredBatchVariable})" };
        var logLevel = new Option<string?>("--log-level") { Description = $"Lowest level of the JSON log lines (sets {LambdaSettings.LogLevelVariable}; default Information)" };

        var command = new Command("lambda-local", "Invoke the Lambda handler on a schedule with N concurrent instances, like EventBridge would")
        {
            connection, every, concurrency, invocations, untilEmpty, budget, maxTasks, lease, preferredBatch, logLevel,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var connectionString = ConnectionOption.Resolve(parse, connection);
            if (connectionString is null)
            {
                await error.WriteLineAsync($"error: {ConnectionOption.Missing}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            TimeSpan interval;
            try
            {
                interval = TaskTimeRange.ParseDuration(parse.GetValue(every)!, parse.GetValue(every)!);
            }
            catch (FormatException exception)
            {
                await error.WriteLineAsync($"error: --every: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            if (parse.GetValue(concurrency) < 1 || parse.GetValue(invocations) < 0)
            {
                await error.WriteLineAsync("error: --concurrency must be at least 1 and --invocations at least 0").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                [LambdaSettings.ConnectionVariable] = connectionString,
                [LambdaSettings.FunctionNameVariable] = FunctionName,
            };
            foreach (var (option, name) in new[]
            {
                (budget, LambdaSettings.TimeBudgetVariable), (maxTasks, LambdaSettings.MaxTasksVariable), (lease, LambdaSettings.LeaseVariable),
                (preferredBatch, LambdaSettings.PreferredBatchVariable), (logLevel, LambdaSettings.LogLevelVariable),
            })
            {
                if (parse.GetValue(option) is { } value)
                {
                    variables[name] = value;
                }
            }

            var schedule = new LocalSchedule(interval, parse.GetValue(concurrency), parse.GetValue(invocations), parse.GetValue(untilEmpty), variables, error);
            return await schedule.RunAsync(cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private sealed class LocalSchedule(TimeSpan interval, int concurrency, int invocations, bool untilEmpty, Dictionary<string, string?> variables, TextWriter error)
    {
        public async Task<int> RunAsync(CancellationToken cancellationToken)
        {
            var functions = new List<Function>();
            try
            {
                for (var i = 1; i <= concurrency; i++)
                {
                    // Each instance is its own execution environment: the log stream id names its worker.
                    var instance = new Dictionary<string, string?>(variables, StringComparer.Ordinal)
                    {
                        [LambdaSettings.LogStreamVariable] = i.ToString(CultureInfo.InvariantCulture),
                    };
                    functions.Add(new Function(DemoTasks.CreateRegistry(),
                        name => instance.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name)));
                }
            }
            catch (LambdaConfigurationException exception)
            {
                await error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            try
            {
                return await RunTicksAsync(functions, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                foreach (var function in functions)
                {
                    await function.DisposeAsync().ConfigureAwait(false);
                }
            }
        }

        private async Task<int> RunTicksAsync(List<Function> functions, CancellationToken cancellationToken)
        {
            await error.WriteLineAsync(
                $"lambda-local: {functions.Count} instance(s) of {FunctionName}, a tick every {interval.TotalSeconds:0.###}s, " +
                (invocations > 0 ? $"{invocations} invocation(s) each" : "until Ctrl+C") + (untilEmpty ? " or a tick with nothing to do" : "") +
                "; JSON log and metric lines on stdout").ConfigureAwait(false);
            var failures = 0;
            var startedAt = DateTimeOffset.UtcNow;
            for (var tick = 1; invocations == 0 || tick <= invocations; tick++)
            {
                var due = startedAt + (interval * (tick - 1));
                var wait = due - DateTimeOffset.UtcNow;
                try
                {
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                    }

                    var input = ScheduledEvent(DateTimeOffset.UtcNow);
                    var results = await Task.WhenAll(functions.Select(f => InvokeAsync(f, input, cancellationToken))).ConfigureAwait(false);
                    failures += results.Count(r => r is null);
                    await error.WriteLineAsync(Describe(tick, results)).ConfigureAwait(false);
                    if (untilEmpty && results.All(r => r?.Outcome == InvocationOutcome.Empty))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await error.WriteLineAsync("lambda-local: interrupted").ConfigureAwait(false);
                    return ExitCodes.Cancelled;
                }
            }

            await error.WriteLineAsync($"lambda-local: done, {failures} failed invocation(s)").ConfigureAwait(false);
            return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
        }

        // A failed invocation has logged why as a JSON line; the schedule goes on, as EventBridge's would.
        private async Task<InvocationResult?> InvokeAsync(Function function, byte[] input, CancellationToken cancellationToken)
        {
            try
            {
                return await function.InvokeAsync(input, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync($"lambda-local: invocation of {function.WorkerId} failed: {exception.Message}").ConfigureAwait(false);
                return null;
            }
        }

        private static string Describe(int tick, InvocationResult?[] results) =>
            string.Create(CultureInfo.InvariantCulture,
                $"lambda-local: tick {tick}: {results.Count(r => r?.Outcome == InvocationOutcome.Worked)} worked, " +
                $"{results.Count(r => r?.Outcome == InvocationOutcome.Busy)} busy, {results.Count(r => r?.Outcome == InvocationOutcome.Empty)} empty, " +
                $"{results.Count(r => r is null)} failed; tasks {results.Sum(r => r?.TasksCompleted ?? 0)} completed, " +
                $"{results.Sum(r => r?.TasksFailed ?? 0)} failed, {results.Sum(r => r?.TasksDead ?? 0)} dead");

        private static byte[] ScheduledEvent(DateTimeOffset time) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["version"] = "0",
            ["id"] = Guid.NewGuid().ToString(),
            ["detail-type"] = "Scheduled Event",
            ["source"] = "aws.events",
            ["account"] = "000000000000",
            ["time"] = time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["region"] = "local",
            ["resources"] = new[] { $"arn:aws:events:local:000000000000:rule/{FunctionName}" },
            ["detail"] = new Dictionary<string, object>(),
        });
    }
}
