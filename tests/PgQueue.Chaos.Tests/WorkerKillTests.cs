using PgQueue.Chaos.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PgQueue.Chaos.Tests;

/// <summary>DESIGN.md invariants 1–4 while worker processes die by SIGKILL at random moments.</summary>
[Collection(WorkerChaosCollection.Name)]
public sealed class WorkerKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Workers_killed_at_random_moments_lose_nothing_redo_at_most_one_task_per_kill_and_keep_FIFO()
    {
        var size = RaceSize.FromEnvironment();
        output.WriteLine(size.ToString());
        await using var database = await ChaosDatabase.StartAsync();
        var enqueued = await ChaosRace.EnqueueAsync(database.ConnectionString, size);

        var report = await ChaosRace.RunAsync(database.ConnectionString, database.WorkerConnectionString, size);

        output.WriteLine(report.ToString());
        Assert.True(report.Kills > 0, $"no worker was killed while work remained ({report})");
        await ChaosRace.AssertInvariantsAsync(database.ConnectionString, enqueued, report);
    }
}
