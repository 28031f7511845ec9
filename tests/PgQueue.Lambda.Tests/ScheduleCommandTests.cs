using System.Globalization;
using PgQueue.Lambda.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Lambda.Tests;

/// <summary><c>pgqueue schedule set|drop|list</c> as a process, against the test database.</summary>
[Collection(LambdaDatabaseCollection.Name)]
public sealed class ScheduleCommandTests(LambdaDatabaseFixture database) : IAsyncLifetime
{
    public Task InitializeAsync() => database.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Set_prints_the_next_run_list_shows_every_schedule_and_drop_exits_3_for_an_unknown_one()
    {
        await using var client = PgQueueClient.Create(database.ConnectionString);

        var tick = await RunAsync("schedule", "set", "tick", "--batch", "ticks", "--every", "90s", "--payload", """{"n": 1}""", "--type", "demo.tick");
        var nightly = await RunAsync("schedule", "set", "nightly", "-b", "reports", "--cron", "0 2 * * *", "--time-zone", "Europe/Berlin");

        Assert.Equal(0, tick.ExitCode);
        Assert.Contains("Schedule 'tick' set: every 1m30s, into batch 'ticks'.", tick.StdoutLines);
        var stored = (await client.GetScheduleAsync("tick"))!;
        Assert.Equal(TimeSpan.FromSeconds(90), stored.Every);
        Assert.Equal("demo.tick", stored.TaskType);
        var printed = Assert.Single(tick.StdoutLines, line => line.StartsWith("Next run: ", StringComparison.Ordinal))["Next run: ".Length..];
        Assert.Equal(stored.NextRun.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), printed);
        Assert.Equal(0, nightly.ExitCode);
        Assert.Contains(nightly.StdoutLines, line => line.StartsWith("Next run: ", StringComparison.Ordinal)
            && line.Contains(" 02:00:00 Europe/Berlin (", StringComparison.Ordinal));

        var list = await RunAsync("schedule", "list", "-c", database.ConnectionString);

        Assert.Equal(0, list.ExitCode);
        Assert.Equal(3, list.StdoutLines.Count);
        Assert.StartsWith("NAME", list.StdoutLines[0], StringComparison.Ordinal);
        Assert.Matches(@"^nightly\s+reports\s+cron 0 2 \* \* \*\s+Europe/Berlin\s+\d{4}-\d\d-\d\d \d\d:00:00\s+-$", list.StdoutLines[1]);
        Assert.Matches(@"^tick\s+ticks\s+every 1m30s\s+UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+-$", list.StdoutLines[2]);

        var dropped = await RunAsync("schedule", "drop", "tick");
        var again = await RunAsync("schedule", "drop", "tick");

        Assert.Equal(0, dropped.ExitCode);
        Assert.Equal(["Schedule 'tick' dropped."], dropped.StdoutLines);
        Assert.Equal(3, again.ExitCode);
        Assert.Contains("error: no schedule named 'tick'", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(["nightly"], (await client.GetSchedulesAsync()).Select(s => s.ScheduleName));
    }

    [Theory]
    [InlineData("PQ004: a bad cron field", "nothing was written", "--batch", "b", "--cron", "61 * * * *")]
    [InlineData("PQ004: an unknown zone", "nothing was written", "--batch", "b", "--cron", "0 2 * * *", "--time-zone", "Mars/Olympus")]
    [InlineData("PQ002: a bad batch id", "nothing was written", "--batch", "bad batch", "--every", "5s")]
    [InlineData("an interval in no known form", "'5x' is not an interval: use e.g. 5s", "--batch", "b", "--every", "5x")]
    [InlineData("part of a second", "not a whole number of seconds", "--batch", "b", "--every", "00:00:01.500")]
    [InlineData("months", "months or years", "--batch", "b", "--every", "P1M")]
    [InlineData("both", "exactly one of --every and --cron", "--batch", "b", "--every", "5s", "--cron", "* * * * *")]
    [InlineData("neither", "exactly one of --every and --cron", "--batch", "b")]
    [InlineData("a payload that is not JSON", "--payload is not JSON", "--batch", "b", "--every", "5s", "--payload", "{")]
    public async Task Set_refuses_bad_input_with_exit_code_2_and_writes_nothing(string why, string message, params string[] options)
    {
        var run = await RunAsync(["schedule", "set", "job", .. options]);

        Assert.True(run.ExitCode == 2, $"{why}: exit code {run.ExitCode}, stderr: {run.Stderr}");
        Assert.Contains("error: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.StdoutLines);
        await using var client = PgQueueClient.Create(database.ConnectionString);
        Assert.Empty(await client.GetSchedulesAsync());
    }

    [Fact]
    public async Task List_without_schedules_says_so_and_an_unreachable_database_exits_1()
    {
        var empty = await RunAsync("schedule", "list");
        var unreachable = await CliProcess.RunAsync("schedule", "list", "-c", "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2");

        Assert.Equal(0, empty.ExitCode);
        Assert.Equal(["No schedules."], empty.StdoutLines);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("error: ", unreachable.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_priority_sets_the_priority_that_claims_follow()
    {
        await using var client = PgQueueClient.Create(database.ConnectionString);
        await client.EnqueueAsync("low", "{}");
        await client.EnqueueAsync("urgent", "{}");

        var set = await RunAsync("batch", "priority", "urgent", "10");
        var refused = await RunAsync("batch", "priority", "bad batch", "1");

        Assert.Equal(0, set.ExitCode);
        Assert.Equal(["Batch 'urgent' has priority 10."], set.StdoutLines);
        await using (var lease = await client.ClaimBatchAsync("w1"))
        {
            Assert.Equal("urgent", lease!.BatchId);
        }

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("nothing was written", refused.Stderr, StringComparison.Ordinal);
    }

    // With the test database's (superuser) connection unless the arguments give one.
    private Task<(int ExitCode, IReadOnlyList<string> StdoutLines, string Stderr)> RunAsync(params string[] arguments) =>
        CliProcess.RunAsync(arguments.Contains("-c") ? arguments : [.. arguments, "-c", database.ConnectionString]);
}
