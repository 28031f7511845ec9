using System.Text.Json;
using PgQueue.Lambda.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Lambda.Tests;

/// <summary><c>pgqueue lambda-local</c> as a process, the way chaos tests drive it.</summary>
[Collection(LambdaDatabaseCollection.Name)]
public sealed class LocalRunnerTests(LambdaDatabaseFixture database) : IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Runner_drains_the_queue_with_concurrent_instances_and_exits_0_when_a_tick_finds_nothing()
    {
        var ids = new Dictionary<string, IReadOnlyList<long>>();
        foreach (var batch in new[] { "A", "B", "C", "D" })
        {
            ids[batch] = await Queue.EnqueueSleepsAsync(database.ConnectionString, batch, 3, new SleepTask(SleepMs: 20, Record: true));
        }

        var run = await RunAsync("lambda-local", "--connection", database.LambdaConnectionString,
            "--every", "0", "--concurrency", "3", "--until-empty", "--max-tasks", "2");

        Assert.Equal(0, run.ExitCode);
        var lines = run.StdoutLines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var summaries = lines.Where(line => line.TryGetProperty("eventId", out var id) && id.GetInt32() == LambdaEventId.InvocationFinished).ToList();
        Assert.Equal(0, summaries.Count % 3);
        Assert.All(summaries.TakeLast(3), line => Assert.Equal("empty", line.GetProperty("outcome").GetString()));
        Assert.Equal(["pgqueue-local:1", "pgqueue-local:2", "pgqueue-local:3"],
            summaries.Select(line => line.GetProperty("workerId").GetString()).Distinct().Order());
        Assert.Equal(12, summaries.Sum(line => line.GetProperty("tasksCompleted").GetInt32()));
        foreach (var (batch, expected) in ids)
        {
            Assert.Equal(expected, (await Queue.RecordedAsync(database.ConnectionString, batch)).Select(r => r.TaskId));
            Assert.Null((await Queue.StatusAsync(database.ConnectionString, batch))!.Owner);
        }

        Assert.Contains("done, 0 failed invocation(s)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runner_stops_after_the_given_invocations_and_exits_2_on_bad_configuration()
    {
        var counted = await RunAsync("lambda-local", "--connection", database.LambdaConnectionString,
            "--every", "100ms", "--concurrency", "2", "--invocations", "2");
        var misconfigured = await RunAsync("lambda-local", "--connection", database.LambdaConnectionString, "--budget", "soon");
        var unreachable = await RunAsync("lambda-local", "--connection", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2",
            "--every", "0", "--invocations", "1");

        Assert.Equal(0, counted.ExitCode);
        Assert.Equal(4, counted.StdoutLines.Count(line => line.Contains("\"event\":\"InvocationFinished\"", StringComparison.Ordinal)));
        Assert.Equal(2, misconfigured.ExitCode);
        Assert.Contains("PGQUEUE_TIME_BUDGET 'soon' is not a duration", misconfigured.Stderr, StringComparison.Ordinal);
        Assert.Contains(misconfigured.StdoutLines, line => line.Contains("\"event\":\"ConfigurationInvalid\"", StringComparison.Ordinal));
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains(unreachable.StdoutLines, line => line.Contains("\"event\":\"InvocationFailed\"", StringComparison.Ordinal));
    }

    private static Task<(int ExitCode, IReadOnlyList<string> StdoutLines, string Stderr)> RunAsync(params string[] arguments) =>
        CliProcess.RunAsync(arguments);
}
