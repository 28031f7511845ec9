using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace PgQueue.Lambda.Tests.Infrastructure;

/// <summary>
/// One function instance (one execution environment) over the test database, with its JSON lines captured, invoked
/// through the real entry point <see cref="Function.HandleAsync"/>.
/// </summary>
public sealed class LambdaHarness : IAsyncDisposable
{
    /// <summary>A scheduled event as EventBridge (CloudWatch Events) delivers it for rate(1 minute).</summary>
    public const string ScheduledEvent =
        """
        {
          "version": "0",
          "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
          "detail-type": "Scheduled Event",
          "source": "aws.events",
          "account": "123456789012",
          "time": "2025-06-01T12:00:00Z",
          "region": "eu-west-1",
          "resources": ["arn:aws:events:eu-west-1:123456789012:rule/pgqueue-worker-schedule-1"],
          "detail": {}
        }
        """;

    public const string FunctionName = "pgqueue-test";

    private static readonly JsonSerializerOptions ResultJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly MemoryStream _output;

    private LambdaHarness(Function function, MemoryStream output)
    {
        Function = function;
        _output = output;
    }

    public Function Function { get; }

    /// <summary>The variables every harness sets; <paramref name="overrides"/> replace them (a null value unsets one).</summary>
    public static Dictionary<string, string?> Environment(LambdaDatabaseFixture database, params (string Name, string? Value)[] overrides)
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [LambdaSettings.ConnectionVariable] = database.LambdaConnectionString,
            [LambdaSettings.FunctionNameVariable] = FunctionName,
            [LambdaSettings.LogStreamVariable] = "2025/06/01/[$LATEST]0123456789abcdef",
        };
        foreach (var (name, value) in overrides)
        {
            variables[name] = value;
        }

        return variables;
    }

    public static LambdaHarness Create(LambdaDatabaseFixture database, params (string Name, string? Value)[] overrides)
    {
        var variables = Environment(database, overrides);
        var output = new MemoryStream();
        var function = new Function(DemoTasks.CreateRegistry(), name => variables.GetValueOrDefault(name), output);
        return new LambdaHarness(function, output);
    }

    /// <summary>Invokes the entry point with <paramref name="input"/> and reads the JSON it returns.</summary>
    public async Task<InvocationResult> InvokeAsync(string input = ScheduledEvent)
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(input));
        await using var response = await Function.HandleAsync(stream);
        return (await JsonSerializer.DeserializeAsync<InvocationResult>(response, ResultJson))!;
    }

    /// <summary>Every JSON line written so far (logs and metrics).</summary>
    public IReadOnlyList<JsonElement> Lines()
    {
        var text = Encoding.UTF8.GetString(_output.ToArray());
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }

    public IReadOnlyList<JsonElement> LogLines(int eventId) =>
        [.. Lines().Where(line => line.TryGetProperty("eventId", out var id) && id.GetInt32() == eventId)];

    public IReadOnlyList<JsonElement> MetricLines() => [.. Lines().Where(line => line.TryGetProperty("_aws", out _))];

    public void ClearLines() => _output.SetLength(0);

    public async ValueTask DisposeAsync()
    {
        await Function.DisposeAsync();
        await _output.DisposeAsync();
    }
}

/// <summary>Arranges and inspects the queue as the superuser, through the public functions.</summary>
public static class Queue
{
    public static async Task<IReadOnlyList<long>> EnqueueSleepsAsync(string connectionString, string batchId, int count, SleepTask task, int? maxAttempts = null)
    {
        await using var client = PgQueueClient.Create(connectionString);
        var ids = new List<long>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await client.EnqueueAsync(batchId, task, new EnqueueOptions { TaskType = DemoTasks.SleepTaskType, MaxAttempts = maxAttempts }));
        }

        return ids;
    }

    public static async Task<BatchStatus?> StatusAsync(string connectionString, string batchId)
    {
        await using var client = PgQueueClient.Create(connectionString);
        return await client.GetBatchStatusAsync(batchId);
    }

    /// <summary>The task ids recorded by <c>"record": true</c> tasks of a batch, in commit order.</summary>
    public static async Task<IReadOnlyList<(long TaskId, long LeaseToken)>> RecordedAsync(string connectionString, string batchId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT task_id, lease_token FROM pgqueue_demo.lambda_task_runs WHERE batch_id = $1 ORDER BY seq", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = batchId });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(long, long)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }

        return rows;
    }
}
