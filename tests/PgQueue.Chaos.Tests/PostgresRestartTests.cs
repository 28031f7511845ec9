using Npgsql;
using PgQueue.Chaos.Tests.Infrastructure;
using PgQueue.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PgQueue.Chaos.Tests;

/// <summary>
/// PostgreSQL restarted (<c>pg_ctl restart -m fast</c>) twice while worker processes drain: they ride it out through
/// the client's retries (or, where an invocation gave up, at the next tick) and nothing is lost or reordered.
/// </summary>
[Collection(PostgresRestartCollection.Name)]
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    private const int Restarts = 2;

    [Fact]
    public async Task Workers_ride_out_PostgreSQL_restarts_and_finish_with_nothing_lost_and_FIFO_held()
    {
        var size = RaceSize.FromEnvironment(kills: 0);
        output.WriteLine(size.ToString());
        await using var database = await ChaosDatabase.StartAsync();
        var enqueued = await ChaosRace.EnqueueAsync(database.ConnectionString, size);
        var total = enqueued.Values.Sum(ids => ids.Count);
        var restartsWithWorkLeft = 0;

        var report = await ChaosRace.RunAsync(database.ConnectionString, database.WorkerConnectionString, size, async () =>
        {
            // Restart when a quarter, then when half of the tasks are done: mid-run, with work left on both sides.
            for (var restart = 1; restart <= Restarts; restart++)
            {
                while (await DoneAsync(database.ConnectionString) < total * restart / (Restarts + 2))
                {
                    await Task.Delay(25);
                }

                // Counted right before the stop: work committed after the server is back must not hide that the
                // restart hit a run in progress.
                if (await DoneAsync(database.ConnectionString) < total)
                {
                    restartsWithWorkLeft++;
                }

                await database.Cluster.RestartAsync();

                output.WriteLine($"restart {restart} done");
            }
        });

        output.WriteLine(report.ToString());
        // Both restarts hit a run in progress (nothing commits while the server is down), so the workers really rode them out.
        Assert.Equal(Restarts, restartsWithWorkLeft);
        // A restart rolls back at most the one task each worker had in flight.
        await ChaosRace.AssertInvariantsAsync(database.ConnectionString, enqueued, report, extraRedosAllowed: Restarts * size.Workers);
    }

    private static async Task<long> DoneAsync(string connectionString)
    {
        try
        {
            return await Sql.ScalarAsync<long>(connectionString, "SELECT count(*) FROM pgqueue_demo.lambda_task_runs");
        }
        catch (NpgsqlException)
        {
            return 0;
        }
    }
}
