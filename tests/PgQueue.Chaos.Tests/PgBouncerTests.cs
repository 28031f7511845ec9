using PgQueue.Chaos.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PgQueue.Chaos.Tests;

/// <summary>
/// The kill race through PgBouncer in transaction pooling mode: the client holds nothing session-bound (no LISTEN, no
/// session advisory locks, no session settings, unnamed statements; the Lambda sets No Reset On Close), so every
/// invariant holds although consecutive transactions of one worker land on different server connections.
/// </summary>
[Collection(WorkerChaosCollection.Name)]
public sealed class PgBouncerTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Workers_killed_at_random_moments_behind_PgBouncer_in_transaction_mode_lose_nothing_and_keep_FIFO()
    {
        var missing = await PgBouncer.EnsureInstalledAsync();
        Skip.If(missing is not null, missing);
        var size = RaceSize.FromEnvironment(kills: 4);
        output.WriteLine(size.ToString());
        await using var database = await ChaosDatabase.StartAsync();
        await using var bouncer = await PgBouncer.StartAsync(ChaosDatabase.DatabaseName, database.Cluster.Port, ChaosDatabase.WorkerRole);
        var enqueued = await ChaosRace.EnqueueAsync(database.ConnectionString, size);

        var report = await ChaosRace.RunAsync(database.ConnectionString,
            ChaosDatabase.WorkerConnectionStringVia("127.0.0.1", bouncer.Port), size);

        output.WriteLine(report.ToString());
        Assert.True(report.Kills > 0, $"no worker was killed while work remained ({report})");
        Assert.Equal(0, report.FailedExits);
        await ChaosRace.AssertInvariantsAsync(database.ConnectionString, enqueued, report);
    }
}
