using System.Text;
using System.Text.Json;
using Xunit;

namespace PgQueue.Lambda.Tests;

public sealed class EmbeddedMetricsTests
{
    [Fact]
    public void Write_declares_every_metric_it_sets_and_splits_task_durations_by_100()
    {
        var settings = LambdaSettings.FromEnvironment(name => name switch
        {
            LambdaSettings.ConnectionVariable => "Host=h",
            LambdaSettings.FunctionNameVariable => "worker-fn",
            _ => null,
        });
        var result = new InvocationResult(InvocationOutcome.Busy, "w", 3, 1, ["A"], 148, 1, 1, WorkerStopReason.TimeBudgetReached, 49_000, null);
        var durations = Enumerable.Range(1, 150).Select(i => (double)i).ToList();
        using var output = new MemoryStream();

        EmbeddedMetrics.Write(new JsonLineSink(output), settings, result, durations, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            var directive = line.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0];
            Assert.Equal(1_700_000_000_000, line.GetProperty("_aws").GetProperty("Timestamp").GetInt64());
            Assert.Equal("PgQueue", directive.GetProperty("Namespace").GetString());
            Assert.Equal("FunctionName", directive.GetProperty("Dimensions")[0][0].GetString());
            Assert.Equal("worker-fn", line.GetProperty("FunctionName").GetString());
            foreach (var metric in directive.GetProperty("Metrics").EnumerateArray())
            {
                Assert.True(line.TryGetProperty(metric.GetProperty("Name").GetString()!, out _));
            }
        }

        Assert.Equal(148, lines[0].GetProperty("TasksCompleted").GetInt32());
        Assert.Equal(1, lines[0].GetProperty("TasksFailed").GetInt32());
        Assert.Equal(1, lines[0].GetProperty("TasksDeadLettered").GetInt32());
        Assert.Equal(0, lines[0].GetProperty("InvocationEmpty").GetInt32());
        Assert.Equal(1, lines[0].GetProperty("InvocationBusy").GetInt32());
        Assert.Equal(0, lines[0].GetProperty("InvocationWorked").GetInt32());
        Assert.Equal(100, lines[0].GetProperty("TaskDuration").GetArrayLength());
        Assert.Equal(50, lines[1].GetProperty("TaskDuration").GetArrayLength());
    }
}
