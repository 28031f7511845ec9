using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgQueue.Lambda;

/// <summary>
/// The Lambda's configuration, read from environment variables once per process and validated as a whole: every
/// missing or invalid variable gets its own message in one <see cref="LambdaConfigurationException"/>.
/// </summary>
/// <remarks>
/// Durations are written <c>250ms</c>, <c>50s</c>, <c>2m</c>, or as a bare number of seconds.
/// </remarks>
public sealed partial class LambdaSettings
{
    /// <summary>
    /// The Npgsql connection string of the queue's database (point it at RDS Proxy or PgBouncer): required in database
    /// mode; set either it or <see cref="ApiUrlVariable"/>.
    /// </summary>
    public const string ConnectionVariable = "PGQUEUE_CONNECTION";

    /// <summary>
    /// API mode: the absolute http(s) URL of the PgQueue API; each invocation POSTs <c>{url}/process-task</c> instead of
    /// calling the database. Set either it or <see cref="ConnectionVariable"/>.
    /// </summary>
    public const string ApiUrlVariable = "PGQUEUE_API_URL";

    /// <summary>Required with <see cref="ApiUrlVariable"/>: a worker-role API key, sent as <c>X-Api-Key</c>; never logged.</summary>
    public const string ApiKeyVariable = "PGQUEUE_API_KEY";

    /// <summary>Optional in API mode: how long one request may take before it is retried (default 30 s, capped by the budget).</summary>
    public const string ApiTimeoutVariable = "PGQUEUE_API_TIMEOUT";

    /// <summary>The per-request timeout in API mode when <see cref="ApiTimeoutVariable"/> is not set: 30 seconds.</summary>
    public static readonly TimeSpan DefaultApiTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Optional: a batch to claim first when it is claimable; the invocation's input may name another.</summary>
    public const string PreferredBatchVariable = "PGQUEUE_PREFERRED_BATCH";

    /// <summary>Optional: how long an invocation may keep starting tasks (default 50 s, inside a 60 s timeout).</summary>
    public const string TimeBudgetVariable = "PGQUEUE_TIME_BUDGET";

    /// <summary>Optional: how many tasks one invocation may finish (default: as many as the budget allows).</summary>
    public const string MaxTasksVariable = "PGQUEUE_MAX_TASKS";

    /// <summary>Optional: the lease length asked for at claim and renewal (default: the database setting).</summary>
    public const string LeaseVariable = "PGQUEUE_LEASE";

    /// <summary>Optional: the lowest log level written (default <c>Information</c>).</summary>
    public const string LogLevelVariable = "PGQUEUE_LOG_LEVEL";

    /// <summary>Optional: the CloudWatch namespace of the metrics (default <c>PgQueue</c>).</summary>
    public const string MetricsNamespaceVariable = "PGQUEUE_METRICS_NAMESPACE";

    /// <summary>Set by Lambda: the function's name, used in worker ids and as the metrics' dimension.</summary>
    public const string FunctionNameVariable = "AWS_LAMBDA_FUNCTION_NAME";

    /// <summary>Set by Lambda: the log stream of this execution environment, which names the worker.</summary>
    public const string LogStreamVariable = "AWS_LAMBDA_LOG_STREAM_NAME";

    /// <summary>The time budget when <see cref="TimeBudgetVariable"/> is not set: 50 seconds.</summary>
    public static readonly TimeSpan DefaultTimeBudget = TimeSpan.FromSeconds(50);

    // Lambda's longest timeout: a budget beyond it can only be a mistake.
    private static readonly TimeSpan LongestTimeBudget = TimeSpan.FromMinutes(15);

    private LambdaSettings(string? connectionString, Uri? apiUrl, string? apiKey, TimeSpan apiTimeout, string? preferredBatchId, TimeSpan timeBudget, int? maxTasks, TimeSpan? lease,
        LogLevel logLevel, string metricsNamespace, string functionName, string instanceName)
    {
        ConnectionString = connectionString;
        ApiUrl = apiUrl;
        ApiKey = apiKey;
        ApiTimeout = apiTimeout;
        PreferredBatchId = preferredBatchId;
        TimeBudget = timeBudget;
        MaxTasks = maxTasks;
        Lease = lease;
        LogLevel = logLevel;
        MetricsNamespace = metricsNamespace;
        FunctionName = functionName;
        InstanceName = instanceName;
    }

    /// <summary>The connection string (<see cref="ConnectionVariable"/>), as given; <see langword="null"/> in API mode.</summary>
    public string? ConnectionString { get; }

    /// <summary>The API's base URL (<see cref="ApiUrlVariable"/>); <see langword="null"/> in database mode.</summary>
    public Uri? ApiUrl { get; }

    /// <summary>The API key (<see cref="ApiKeyVariable"/>) in API mode; never logged.</summary>
    public string? ApiKey { get; }

    /// <summary>How long one API request may take (<see cref="ApiTimeoutVariable"/>) before it counts as timed out and is retried.</summary>
    /// <value>The default value is <see cref="DefaultApiTimeout"/>.</value>
    public TimeSpan ApiTimeout { get; }

    /// <summary>True when the function calls the API (<see cref="ApiUrl"/> is set) rather than the database.</summary>
    public bool IsApiMode => ApiUrl is not null;

    /// <summary>The batch to claim first (<see cref="PreferredBatchVariable"/>), or <see langword="null"/>.</summary>
    public string? PreferredBatchId { get; }

    /// <summary>
    /// How long an invocation may keep claiming and starting tasks (<see cref="TimeBudgetVariable"/>): no task starts that,
    /// judged by the longest task of the invocation so far, would end after it. Leave the function's timeout a margin
    /// above it of at least the longest task.
    /// </summary>
    /// <value>The default value is <see cref="DefaultTimeBudget"/>.</value>
    public TimeSpan TimeBudget { get; }

    /// <summary>
    /// How many tasks one invocation may finish (<see cref="MaxTasksVariable"/>); 1 runs one task per invocation.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: as many as the time budget allows.</value>
    public int? MaxTasks { get; }

    /// <summary>
    /// The lease length asked for at claim and renewal (<see cref="LeaseVariable"/>). While a batch drains, the lease is
    /// renewed about every third of it, so it never runs short; after a crash the batch waits this long.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: the database setting (5 minutes unless a DBA changed it).</value>
    public TimeSpan? Lease { get; }

    /// <summary>The lowest level of the JSON log lines (<see cref="LogLevelVariable"/>).</summary>
    /// <value>The default value is <see cref="LogLevel.Information"/>.</value>
    public LogLevel LogLevel { get; }

    /// <summary>The CloudWatch namespace of the embedded metrics (<see cref="MetricsNamespaceVariable"/>).</summary>
    /// <value>The default value is <c>PgQueue</c>.</value>
    public string MetricsNamespace { get; }

    /// <summary>The function's name (<see cref="FunctionNameVariable"/>): the metrics' dimension.</summary>
    /// <value>The default value, outside Lambda, is <c>pgqueue-lambda</c>.</value>
    public string FunctionName { get; }

    /// <summary>
    /// Names this execution environment in worker ids: the id at the end of <see cref="LogStreamVariable"/>, so a
    /// worker id leads to its log stream; outside Lambda a random one.
    /// </summary>
    public string InstanceName { get; }

    /// <summary>Reads and validates the settings from the process's environment variables.</summary>
    /// <returns>The settings.</returns>
    /// <exception cref="LambdaConfigurationException">Variables are missing or invalid; one message each.</exception>
    public static LambdaSettings FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>Reads and validates the settings from the given variables.</summary>
    /// <param name="getVariable">Returns a variable's value, or <see langword="null"/> when it is not set.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="getVariable"/> is null.</exception>
    /// <exception cref="LambdaConfigurationException">Variables are missing or invalid; one message each.</exception>
    public static LambdaSettings FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);
        var problems = new List<string>();
        string? Read(string name) => getVariable(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

        var connectionString = Read(ConnectionVariable);
        var apiUrlText = Read(ApiUrlVariable);
        var apiKey = Read(ApiKeyVariable);
        Uri? apiUrl = null;
        if (connectionString is not null && apiUrlText is not null)
        {
            problems.Add($"{ConnectionVariable} and {ApiUrlVariable} are both set: set {ConnectionVariable} for database mode " +
                $"or {ApiUrlVariable} (with {ApiKeyVariable}) for API mode, not both");
        }
        else if (connectionString is null && apiUrlText is null)
        {
            problems.Add($"{ConnectionVariable} is not set: give the Npgsql connection string of the queue's database, " +
                "e.g. Host=<RDS Proxy endpoint>;Username=<login with pgqueue_worker>;Password=…;Database=<database>, " +
                $"or set {ApiUrlVariable} and {ApiKeyVariable} to process through the PgQueue API");
        }
        else if (connectionString is not null)
        {
            problems.AddRange(CheckConnectionString(connectionString));
        }

        if (apiUrlText is not null)
        {
            if (!Uri.TryCreate(apiUrlText, UriKind.Absolute, out apiUrl) || (apiUrl.Scheme != Uri.UriSchemeHttp && apiUrl.Scheme != Uri.UriSchemeHttps)
                || !string.IsNullOrEmpty(apiUrl.Query) || !string.IsNullOrEmpty(apiUrl.Fragment))
            {
                problems.Add($"{ApiUrlVariable} '{apiUrlText}' is not an absolute http or https URL without query: use e.g. https://queue.example.com");
                apiUrl = null;
            }

            if (apiKey is null)
            {
                problems.Add($"{ApiKeyVariable} is not set: API mode ({ApiUrlVariable}) needs a worker-role key, sent as X-Api-Key");
            }
        }
        else if (apiKey is not null && connectionString is not null)
        {
            problems.Add($"{ApiKeyVariable} is set without {ApiUrlVariable}: the key is used only in API mode; unset it or set {ApiUrlVariable} instead of {ConnectionVariable}");
        }

        var apiTimeout = DefaultApiTimeout;
        if (Read(ApiTimeoutVariable) is { } apiTimeoutText)
        {
            if (!Durations.TryParse(apiTimeoutText, out apiTimeout) || apiTimeout <= TimeSpan.Zero)
            {
                problems.Add($"{ApiTimeoutVariable} '{apiTimeoutText}' is not a positive duration: use e.g. 30s or 1500ms");
            }
        }

        var preferredBatchId = Read(PreferredBatchVariable);
        if (preferredBatchId is not null && !BatchIdShape().IsMatch(preferredBatchId))
        {
            problems.Add($"{PreferredBatchVariable} '{preferredBatchId}' is not a batch id: 1–64 characters of A-Z a-z 0-9 . _ : -");
        }

        var timeBudget = DefaultTimeBudget;
        if (Read(TimeBudgetVariable) is { } budgetText)
        {
            if (!Durations.TryParse(budgetText, out timeBudget))
            {
                problems.Add($"{TimeBudgetVariable} '{budgetText}' is not a duration: use e.g. 50s, 1500ms or 2m");
            }
            else if (timeBudget <= TimeSpan.Zero || timeBudget > LongestTimeBudget)
            {
                problems.Add($"{TimeBudgetVariable} '{budgetText}' must be more than 0 and at most 15m (Lambda's longest timeout)");
            }
        }

        int? maxTasks = null;
        if (Read(MaxTasksVariable) is { } maxTasksText)
        {
            if (int.TryParse(maxTasksText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed >= 1)
            {
                maxTasks = parsed;
            }
            else
            {
                problems.Add($"{MaxTasksVariable} '{maxTasksText}' is not a whole number of at least 1 " +
                    "(1 runs one task per invocation; leave it unset to run as many as the time budget allows)");
            }
        }

        TimeSpan? lease = null;
        if (Read(LeaseVariable) is { } leaseText)
        {
            if (!Durations.TryParse(leaseText, out var parsed))
            {
                problems.Add($"{LeaseVariable} '{leaseText}' is not a duration: use e.g. 2m or 90s");
            }
            else if (parsed < TimeSpan.FromSeconds(1))
            {
                problems.Add($"{LeaseVariable} '{leaseText}' is shorter than 1s: the lease is renewed every third of it");
            }
            else
            {
                lease = parsed;
            }
        }

        var logLevel = LogLevel.Information;
        if (Read(LogLevelVariable) is { } levelText
            && (!Enum.TryParse(levelText, ignoreCase: true, out logLevel) || !Enum.IsDefined(logLevel) || int.TryParse(levelText, out _)))
        {
            problems.Add($"{LogLevelVariable} '{levelText}' is not a log level: use Trace, Debug, Information, Warning, Error, Critical or None");
        }

        var metricsNamespace = Read(MetricsNamespaceVariable) ?? "PgQueue";
        var functionName = Read(FunctionNameVariable) ?? "pgqueue-lambda";
        var instanceName = InstanceFrom(Read(LogStreamVariable));

        if (problems.Count > 0)
        {
            throw new LambdaConfigurationException(problems);
        }

        return new LambdaSettings(connectionString, apiUrl, apiKey, apiTimeout, preferredBatchId, timeBudget, maxTasks, lease, logLevel,
            metricsNamespace, functionName, instanceName);
    }

    private static IEnumerable<string> CheckConnectionString(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException exception)
        {
            // The message names the bad keyword or value; the string itself may hold a password, so it is not repeated.
            return [$"{ConnectionVariable} is not a valid Npgsql connection string: {exception.Message}"];
        }

        return string.IsNullOrWhiteSpace(builder.Host)
            ? [$"{ConnectionVariable} has no Host: name the RDS Proxy endpoint or the database server"]
            : [];
    }

    // A Lambda log stream is "yyyy/mm/dd/[$LATEST]<id>": the id names the execution environment.
    private static string InstanceFrom(string? logStream)
    {
        if (logStream is null)
        {
            return Guid.NewGuid().ToString("N")[..12];
        }

        var end = logStream.LastIndexOf(']');
        return end >= 0 && end < logStream.Length - 1 ? logStream[(end + 1)..] : logStream;
    }

    // The format of a batch id (DESIGN.md, PQ002), checked here only so that a misconfigured function fails at start
    // rather than at every invocation; pgqueue.claim_batch stays the authority.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex BatchIdShape();
}
