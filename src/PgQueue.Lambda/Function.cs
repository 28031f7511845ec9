using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgQueue.Lambda;

/// <summary>
/// The scheduled AWS Lambda worker. Each invocation enqueues the tasks of due schedules and claims a batch (the preferred
/// one first) in one round trip, drains it in order until its time budget or task limit is reached or the batch runs
/// dry, releases it, and claims another while budget remains. With nothing to do it makes one database round trip and
/// returns.
/// </summary>
/// <remarks>
/// <para>
/// Handler string: <c>PgQueue.Lambda::PgQueue.Lambda.Function::HandleAsync</c> on the <c>dotnet10</c> (net10.0 build) or
/// <c>dotnet8</c> (net8.0 build) managed runtime. The entry point takes and returns streams, so no Amazon.Lambda
/// package (serializer or context) is needed.
/// </para>
/// <para>
/// To run your own tasks, derive a class in your project and pass your handlers to the base constructor, then point
/// the handler string at it:
/// <c>public sealed class InvoiceFunction() : Function(new TaskHandlerRegistry().Register&lt;Invoice&gt;("invoice.send", SendAsync));</c>
/// Without handlers, <see cref="DemoTasks"/> are registered.
/// </para>
/// <para>
/// The runtime creates one instance per execution environment and calls it one invocation at a time; the instance
/// reads and validates its configuration (<see cref="LambdaSettings"/>) when it is created, creates its
/// <see cref="NpgsqlDataSource"/> at the first invocation and keeps it for the warm ones that follow. Logs and metrics
/// are JSON lines on standard output (CloudWatch embedded metric format for the metrics).
/// </para>
/// <para>
/// Recurring tasks: the first claim of every invocation is sent as one <see cref="NpgsqlBatch"/> of two statements,
/// <c>enqueue_due_schedules()</c> then <c>claim_batch(…)</c> (<see cref="PgQueueClient.EnqueueDueSchedulesAndClaimBatchAsync"/>):
/// still one round trip, in one implicit transaction, and the claim, a statement of its own with a new snapshot, sees
/// the tasks just enqueued, so a due schedule's task runs in the invocation that enqueued it. A schedule gets at most
/// one task per invocation (missed slots collapse): a Lambda invoked every minute serves sub-minute schedules once a
/// minute. In API mode (<c>PGQUEUE_API_URL</c>) the function sends no SQL at all: schedules are enqueued by whatever
/// talks to the database — the API host's <c>POST /process-task</c>, which sets
/// <see cref="PgQueueWorkerOptions.EnqueueDueSchedules"/>, or a worker host, whose schedule loop runs on its own timer.
/// </para>
/// </remarks>
public class Function : IAsyncDisposable
{
    /// <summary>The pool size when the connection string does not set <c>Maximum Pool Size</c>: a task's connection,
    /// the lease heartbeat's, and one to spare.</summary>
    public const int DefaultMaxPoolSize = 3;

    private static readonly JsonSerializerOptions ResultJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly TaskHandlerRegistry _handlers;
    private readonly JsonLineSink _sink;
    private readonly ILogger _logger;
    private readonly Lazy<PgQueueClient> _client;
    private readonly ApiProcessor? _api;
    private long _invocations;

    /// <summary>
    /// Creates the function the Lambda runtime calls: settings from the environment variables, the <see cref="DemoTasks"/>
    /// handlers, logs on standard output.
    /// </summary>
    /// <exception cref="LambdaConfigurationException">
    /// Environment variables are missing or invalid; each problem was also logged as its own JSON line.
    /// </exception>
    public Function()
        : this(_ => DemoTasks.CreateRegistry(), Environment.GetEnvironmentVariable, null)
    {
    }

    /// <summary>Creates the function with your handlers, settings from the environment variables (for a derived class).</summary>
    /// <param name="handlers">The task handlers.</param>
    /// <exception cref="ArgumentNullException"><paramref name="handlers"/> is null.</exception>
    /// <exception cref="LambdaConfigurationException">Environment variables are missing or invalid.</exception>
    protected Function(TaskHandlerRegistry handlers)
        : this(Required(handlers), Environment.GetEnvironmentVariable, null)
    {
    }

    /// <summary>
    /// Creates the function with handlers that need the function's logger factory, settings from the environment
    /// variables (for a derived class).
    /// </summary>
    /// <param name="createHandlers">Builds the task handlers; it gets the logger factory that writes the JSON lines.</param>
    /// <exception cref="ArgumentNullException"><paramref name="createHandlers"/> is null or returns null.</exception>
    /// <exception cref="LambdaConfigurationException">Environment variables are missing or invalid.</exception>
    protected Function(Func<ILoggerFactory, TaskHandlerRegistry> createHandlers)
        : this(createHandlers, Environment.GetEnvironmentVariable, null)
    {
    }

    /// <summary>Creates the function with explicit handlers, variables and log output: for local runners and tests.</summary>
    /// <param name="handlers">The task handlers.</param>
    /// <param name="environment">Returns an environment variable's value, or <see langword="null"/> when it is not set.</param>
    /// <param name="logOutput">Where the JSON lines go, or <see langword="null"/> for standard output.</param>
    /// <exception cref="ArgumentNullException"><paramref name="handlers"/> or <paramref name="environment"/> is null.</exception>
    /// <exception cref="LambdaConfigurationException">Variables are missing or invalid.</exception>
    public Function(TaskHandlerRegistry handlers, Func<string, string?> environment, Stream? logOutput = null)
        : this(Required(handlers), environment, logOutput)
    {
    }

    // Tests: API mode through the given client (e.g. a WebApplicationFactory's) instead of the shared one.
    internal Function(TaskHandlerRegistry handlers, Func<string, string?> environment, Stream? logOutput, HttpClient apiClient)
        : this(Required(handlers), environment, logOutput, apiClient)
    {
    }

    private Function(Func<ILoggerFactory, TaskHandlerRegistry> createHandlers, Func<string, string?> environment, Stream? logOutput,
        HttpClient? apiClient = null)
    {
        ArgumentNullException.ThrowIfNull(createHandlers);
        ArgumentNullException.ThrowIfNull(environment);
        _sink = logOutput is null ? JsonLineSink.StandardOutput : new JsonLineSink(logOutput);
        try
        {
            Settings = LambdaSettings.FromEnvironment(environment);
        }
        catch (LambdaConfigurationException exception)
        {
            using var loggerFactory = CreateLoggerFactory(_sink, LogLevel.Information);
            var logger = loggerFactory.CreateLogger<Function>();
            foreach (var problem in exception.Problems)
            {
                Log.ConfigurationInvalid(logger, problem);
            }

            throw;
        }

        LoggerFactory = CreateLoggerFactory(_sink, Settings.LogLevel);
        _logger = LoggerFactory.CreateLogger<Function>();
        _handlers = createHandlers(LoggerFactory) ?? throw new ArgumentNullException(nameof(createHandlers), "The handler factory returned null.");
        WorkerId = $"{Settings.FunctionName}:{Settings.InstanceName}";
        _client = new Lazy<PgQueueClient>(CreateClient, LazyThreadSafetyMode.ExecutionAndPublication);
        _api = Settings.IsApiMode ? new ApiProcessor(Settings, apiClient, _logger) : null;
    }

    /// <summary>The validated settings, read once when the function was created.</summary>
    public LambdaSettings Settings { get; }

    /// <summary>The logger factory whose loggers write JSON lines; handlers may log through it.</summary>
    public ILoggerFactory LoggerFactory { get; }

    /// <summary>
    /// The worker id this execution environment claims as, unless an invocation's input names another:
    /// <c>&lt;function name&gt;:&lt;log stream id&gt;</c>.
    /// </summary>
    public string WorkerId { get; }

    /// <summary>
    /// The Lambda entry point: reads the invocation's input (a scheduled event, an empty input, or
    /// <c>{"preferredBatchId": …, "workerId": …}</c>), runs the invocation and returns its
    /// <see cref="InvocationResult"/> as JSON.
    /// </summary>
    /// <remarks>
    /// It takes no <see cref="CancellationToken"/>: the managed runtime calls handlers with the input alone (or with an
    /// <c>ILambdaContext</c>, which would need Amazon.Lambda.Core). The time budget bounds it instead. Call
    /// <see cref="InvokeAsync(ReadOnlyMemory{byte}, CancellationToken)"/> to pass a token.
    /// </remarks>
    /// <param name="input">The invocation's input.</param>
    /// <returns>The result as UTF-8 JSON; an invalid input gives a result with outcome <c>rejected</c> and an error.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="input"/> is null.</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries: the invocation fails, and is logged.</exception>
    /// <exception cref="PgQueueException">A contract error, e.g. an invalid worker id (<c>PQ004</c>).</exception>
    public async Task<Stream> HandleAsync(Stream input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer).ConfigureAwait(false);
        var result = await InvokeAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), CancellationToken.None).ConfigureAwait(false);
        var output = new MemoryStream();
        await JsonSerializer.SerializeAsync(output, result, ResultJson).ConfigureAwait(false);
        output.Position = 0;
        return output;
    }

    /// <summary>Runs one invocation from its raw input, as <see cref="HandleAsync"/> does, and returns its result.</summary>
    /// <param name="input">The input's UTF-8 bytes.</param>
    /// <param name="cancellationToken">
    /// Stops the invocation: the running task is rolled back without charging an attempt and its batch released.
    /// </param>
    /// <returns>What the invocation did; <see cref="InvocationOutcome.Rejected"/> for an invalid input (nothing claimed).</returns>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    /// <exception cref="PgQueueException">A contract error, e.g. an invalid preferred batch id (<c>PQ002</c>).</exception>
    public Task<InvocationResult> InvokeAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken = default)
    {
        if (!InvocationRequest.TryParse(input, out var request, out var error))
        {
            var invocation = Interlocked.Increment(ref _invocations);
            Log.InvocationRejected(_logger, invocation, error!);
            return Task.FromResult(new InvocationResult(InvocationOutcome.Rejected, null, invocation, 0, [], 0, 0, 0, null, 0, error));
        }

        return InvokeAsync(request!, cancellationToken);
    }

    /// <summary>
    /// Runs one invocation: claim (the preferred batch first), drain, release, and claim again while the budget and the
    /// task limit allow and the last batch ran dry. Logs one line per task and one summary line, and writes the metrics.
    /// </summary>
    /// <param name="request">The preferred batch and worker id, each null for the configured default.</param>
    /// <param name="cancellationToken">
    /// Stops the invocation: the running task is rolled back without charging an attempt and its batch released.
    /// </param>
    /// <returns>What the invocation did.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is null.</exception>
    /// <exception cref="NpgsqlException">The database failed after the retries.</exception>
    /// <exception cref="PgQueueException">A contract error, e.g. an invalid preferred batch id (<c>PQ002</c>).</exception>
    public async Task<InvocationResult> InvokeAsync(InvocationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var invocation = Interlocked.Increment(ref _invocations);
        var startedAt = Stopwatch.GetTimestamp();
        var workerId = request.WorkerId ?? WorkerId;
        var preferredBatchId = request.PreferredBatchId ?? Settings.PreferredBatchId;
        if (_api is not null)
        {
            return await InvokeApiAsync(_api, invocation, startedAt, workerId, preferredBatchId, cancellationToken).ConfigureAwait(false);
        }

        var tasks = new TaskTally(_logger);
        var batches = new List<string>();
        int completed = 0, failed = 0, dead = 0, scheduled = 0;
        WorkerStopReason? stopReason = null;
        try
        {
            var client = _client.Value;
            while (true)
            {
                var remaining = Settings.TimeBudget - Stopwatch.GetElapsedTime(startedAt);
                if (batches.Count > 0 && remaining <= tasks.Longest)
                {
                    stopReason = WorkerStopReason.TimeBudgetReached;
                    break;
                }

                var worker = new PgQueueWorker(client, _handlers, new PgQueueWorkerOptions
                {
                    WorkerId = workerId,
                    Lease = Settings.Lease,
                    MaxTasksPerClaim = Settings.MaxTasks is { } maxTasks ? maxTasks - (completed + failed + dead) : int.MaxValue,
                    TaskFinished = tasks.Add,
                    // The first claim carries enqueue_due_schedules in its round trip; later ones find nothing new due.
                    EnqueueDueSchedules = batches.Count == 0,
                });
                var run = await worker.RunOnceAsync(preferredBatchId, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromTicks(1), cancellationToken).ConfigureAwait(false);
                stopReason = run.StopReason;
                scheduled += run.ScheduledTasksEnqueued;
                if (run.BatchId is null)
                {
                    break;
                }

                batches.Add(run.BatchId);
                preferredBatchId = null;
                completed += run.TasksCompleted;
                failed += run.TasksFailed;
                dead += run.TasksDead;

                // Claim again only after a batch ran dry having done work: a claimed batch whose head turned out locked
                // or delayed would be claimed again at once.
                if (run.StopReason != WorkerStopReason.NoRunnableTask || run.TasksCompleted + run.TasksFailed + run.TasksDead == 0)
                {
                    break;
                }
            }
        }
        catch (InvalidBatchIdException exception) when (batches.Count == 0 && request.PreferredBatchId is not null)
        {
            // The input named a batch id the contract refuses (PQ002): bad input, and nothing was claimed.
            var error = $"\"preferredBatchId\" is invalid: {exception.Message}";
            Log.InvocationRejected(_logger, invocation, error);
            return new InvocationResult(InvocationOutcome.Rejected, workerId, invocation, 0, [], 0, 0, 0, null,
                Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, error);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.InvocationFailed(_logger, invocation, workerId, completed, failed, dead, Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, exception);
            throw;
        }

        var finished = completed + failed + dead;
        var outcome = finished == 0 ? InvocationOutcome.Empty
            : stopReason is WorkerStopReason.TimeBudgetReached or WorkerStopReason.MaxTasksReached or WorkerStopReason.LeaseLost or WorkerStopReason.Cancelled
                ? InvocationOutcome.Busy
                : InvocationOutcome.Worked;
        var result = new InvocationResult(outcome, workerId, invocation, batches.Count, batches, completed, failed, dead, stopReason,
            Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds, null) { ScheduledTasksEnqueued = scheduled };
        Log.InvocationFinished(_logger, invocation, workerId, Name(outcome), completed, failed, dead, batches.Count, batches,
            stopReason is { } reason ? Name(reason) : null, Math.Round(result.DurationMs, 3), scheduled);
        EmbeddedMetrics.Write(_sink, Settings, result, tasks.DurationsMs, TimeProvider.System.GetUtcNow());
        return result;
    }

    // API mode: one POST /process-task (with its retries); the reply maps to the result as a database round would.
    private async Task<InvocationResult> InvokeApiAsync(ApiProcessor api, long invocation, long startedAt, string workerId, string? preferredBatchId,
        CancellationToken cancellationToken)
    {
        var round = await api.ProcessAsync(invocation, workerId, preferredBatchId, Settings.TimeBudget, cancellationToken).ConfigureAwait(false);
        var durationMs = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
        if (round.Reply is not { } reply)
        {
            Log.ApiRequestFailed(_logger, invocation, workerId, round.Attempts, round.Error!, Math.Round(durationMs, 3));
            return new InvocationResult(InvocationOutcome.Failed, workerId, invocation, 0, [], 0, 0, 0, null, durationMs, round.Error);
        }

        var finished = reply.TasksCompleted + reply.TasksFailed + reply.TasksDead;
        var outcome = finished == 0 ? InvocationOutcome.Empty
            : reply.StopReason is WorkerStopReason.TimeBudgetReached or WorkerStopReason.MaxTasksReached or WorkerStopReason.LeaseLost or WorkerStopReason.Cancelled
                ? InvocationOutcome.Busy
                : InvocationOutcome.Worked;
        IReadOnlyList<string> batches = reply.BatchId is null ? [] : [reply.BatchId];
        var result = new InvocationResult(outcome, workerId, invocation, batches.Count, batches, reply.TasksCompleted, reply.TasksFailed,
            reply.TasksDead, reply.StopReason, durationMs, null);
        Log.InvocationFinished(_logger, invocation, workerId, Name(outcome), reply.TasksCompleted, reply.TasksFailed, reply.TasksDead,
            batches.Count, batches, Name(reply.StopReason), Math.Round(durationMs, 3), 0);
        EmbeddedMetrics.Write(_sink, Settings, result, [], TimeProvider.System.GetUtcNow());
        return result;
    }

    /// <summary>Disposes the data source, if an invocation created it, and the logger factory.</summary>
    /// <returns>A task that completes when everything is disposed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_client.IsValueCreated)
        {
            await _client.Value.DisposeAsync().ConfigureAwait(false);
        }

        LoggerFactory.Dispose();
        GC.SuppressFinalize(this);
    }

    // Enum values in log lines read as they do in the JSON result: camelCase.
    private static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    private static Func<ILoggerFactory, TaskHandlerRegistry> Required(TaskHandlerRegistry handlers)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        return _ => handlers;
    }

    private static ILoggerFactory CreateLoggerFactory(JsonLineSink sink, LogLevel level)
    {
        // The client logs every claim, task and release at Information; the function's per-task and summary lines say
        // it once, so the client and Npgsql speak up only for warnings, unless Debug or Trace asks for everything.
        var libraryLevel = level <= LogLevel.Debug ? level : (LogLevel)Math.Max((int)level, (int)LogLevel.Warning);
        return Microsoft.Extensions.Logging.LoggerFactory.Create(builder => builder
            .SetMinimumLevel(level)
            .AddFilter("PgQueue", libraryLevel)
            .AddFilter("PgQueue.Lambda", level)
            .AddFilter("Npgsql", libraryLevel)
            .AddProvider(new JsonLinesLoggerProvider(sink, TimeProvider.System)));
    }

    // Transaction-mode poolers (RDS Proxy, PgBouncer) hand each transaction any server connection, so nothing may rely
    // on session state: no prepared statements (Npgsql's default), no SET, and no reset on close. Npgsql's reset would
    // send DISCARD ALL ahead of the next command on a reused connection: a statement before the claim, and one that
    // makes RDS Proxy pin the session.
    private PgQueueClient CreateClient()
    {
        var connection = new NpgsqlConnectionStringBuilder(Settings.ConnectionString) { NoResetOnClose = true };
        if (connection.MaxPoolSize == new NpgsqlConnectionStringBuilder().MaxPoolSize)
        {
            connection.MaxPoolSize = DefaultMaxPoolSize;
        }

        if (string.IsNullOrEmpty(connection.ApplicationName))
        {
            connection.ApplicationName = "pgqueue-lambda";
        }

        var builder = new NpgsqlDataSourceBuilder(connection.ConnectionString);
        builder.UseLoggerFactory(LoggerFactory);
        var dataSource = builder.Build();
        Log.DataSourceCreated(_logger, WorkerId, connection.Host, connection.Port, connection.Database, connection.MaxPoolSize);
        return new PgQueueClient(dataSource, options: null, LoggerFactory);
    }

    // The per-task log lines and durations of one invocation; the worker calls Add on its own flow, one task at a time.
    private sealed class TaskTally(ILogger logger)
    {
        private readonly List<double> _durationsMs = [];

        public IReadOnlyList<double> DurationsMs => _durationsMs;

        public TimeSpan Longest { get; private set; }

        public void Add(FinishedTask task)
        {
            var durationMs = Math.Round(task.Duration.TotalMilliseconds, 3);
            _durationsMs.Add(durationMs);
            Longest = task.Duration > Longest ? task.Duration : Longest;
            var level = task.Outcome switch
            {
                TaskRunOutcome.Completed => LogLevel.Information,
                TaskRunOutcome.Dead => LogLevel.Error,
                _ => LogLevel.Warning,
            };
            Log.TaskFinished(logger, level, task.TaskId, task.BatchId, Name(task.Outcome), task.Attempt, durationMs, task.WorkerId, task.LeaseToken, task.TaskType, task.Error);
        }
    }
}
