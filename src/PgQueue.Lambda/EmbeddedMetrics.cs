using System.Text.Json;

namespace PgQueue.Lambda;

/// <summary>
/// Writes an invocation's metrics as CloudWatch embedded metric format (EMF) lines on standard output, which CloudWatch
/// turns into metrics without any AWS SDK call: counts of completed, failed and dead-lettered tasks, the outcome as
/// <c>InvocationEmpty</c> / <c>InvocationBusy</c> / <c>InvocationWorked</c> (0 or 1, so sums count invocations), the
/// invocation's duration, how many tasks of due schedules it enqueued, and every task's duration.
/// </summary>
internal static class EmbeddedMetrics
{
    public const string FunctionDimension = "FunctionName";

    // EMF takes at most 100 values of one metric per line.
    private const int ValuesPerLine = 100;

    private static readonly (string Name, string Unit)[] InvocationMetrics =
    [
        ("TasksCompleted", "Count"), ("TasksFailed", "Count"), ("TasksDeadLettered", "Count"),
        ("InvocationEmpty", "Count"), ("InvocationBusy", "Count"), ("InvocationWorked", "Count"),
        ("InvocationDuration", "Milliseconds"), ("ScheduledTasksEnqueued", "Count"),
    ];

    public static void Write(JsonLineSink sink, LambdaSettings settings, InvocationResult result, IReadOnlyList<double> taskDurationsMs, DateTimeOffset time)
    {
        var chunks = taskDurationsMs.Chunk(ValuesPerLine).ToList();
        sink.WriteLine(writer =>
        {
            writer.WriteStartObject();
            WriteMetadata(writer, settings, time, chunks.Count > 0 ? [.. InvocationMetrics, ("TaskDuration", "Milliseconds")] : InvocationMetrics);
            writer.WriteNumber("TasksCompleted", result.TasksCompleted);
            writer.WriteNumber("TasksFailed", result.TasksFailed);
            writer.WriteNumber("TasksDeadLettered", result.TasksDead);
            writer.WriteNumber("InvocationEmpty", result.Outcome == InvocationOutcome.Empty ? 1 : 0);
            writer.WriteNumber("InvocationBusy", result.Outcome == InvocationOutcome.Busy ? 1 : 0);
            writer.WriteNumber("InvocationWorked", result.Outcome == InvocationOutcome.Worked ? 1 : 0);
            writer.WriteNumber("InvocationDuration", Math.Round(result.DurationMs, 3));
            writer.WriteNumber("ScheduledTasksEnqueued", result.ScheduledTasksEnqueued);
            if (chunks.Count > 0)
            {
                WriteValues(writer, "TaskDuration", chunks[0]);
            }

            writer.WriteString("workerId", result.WorkerId);
            writer.WriteNumber("invocation", result.Invocation);
            writer.WriteString("outcome", JsonNamingPolicy.CamelCase.ConvertName(result.Outcome.ToString()));
            writer.WriteEndObject();
        });

        foreach (var chunk in chunks.Skip(1))
        {
            sink.WriteLine(writer =>
            {
                writer.WriteStartObject();
                WriteMetadata(writer, settings, time, [("TaskDuration", "Milliseconds")]);
                WriteValues(writer, "TaskDuration", chunk);
                writer.WriteString("workerId", result.WorkerId);
                writer.WriteNumber("invocation", result.Invocation);
                writer.WriteEndObject();
            });
        }
    }

    private static void WriteMetadata(Utf8JsonWriter writer, LambdaSettings settings, DateTimeOffset time, (string Name, string Unit)[] metrics)
    {
        writer.WriteStartObject("_aws");
        writer.WriteNumber("Timestamp", time.ToUnixTimeMilliseconds());
        writer.WriteStartArray("CloudWatchMetrics");
        writer.WriteStartObject();
        writer.WriteString("Namespace", settings.MetricsNamespace);
        writer.WriteStartArray("Dimensions");
        writer.WriteStartArray();
        writer.WriteStringValue(FunctionDimension);
        writer.WriteEndArray();
        writer.WriteEndArray();
        writer.WriteStartArray("Metrics");
        foreach (var (name, unit) in metrics)
        {
            writer.WriteStartObject();
            writer.WriteString("Name", name);
            writer.WriteString("Unit", unit);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteString(FunctionDimension, settings.FunctionName);
    }

    private static void WriteValues(Utf8JsonWriter writer, string name, double[] values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteNumberValue(Math.Round(value, 3));
        }

        writer.WriteEndArray();
    }
}
