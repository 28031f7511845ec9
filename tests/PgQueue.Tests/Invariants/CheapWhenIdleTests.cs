using System.Text.Json;
using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PgQueue.Tests.Invariants;

/// <summary>
/// Invariant 7: deciding "nothing to do" is one statement whose cost does not grow with the number of idle batches or
/// completed tasks. Cost is counted in buffer pages the claim touches, not in time.
/// </summary>
public sealed class CheapWhenIdleTests(DatabaseFixture database, ITestOutputHelper output) : QueueTest(database)
{
    // Arranged through the public functions: every kind of batch that must cost an idle claim nothing.
    private static readonly string[] ArrangeIdleBatchesSql =
    [
        "SELECT count(pgqueue.pause_batch('empty-' || i)) + count(pgqueue.resume_batch('empty-' || i)) " +
        "FROM generate_series($1::int, $2::int) AS i",
        "SELECT count(pgqueue.enqueue(batch_id => 'paused-' || i)) + count(pgqueue.pause_batch('paused-' || i)) " +
        "FROM generate_series($1::int, $2::int) AS i",
        "SELECT count(pgqueue.enqueue(batch_id => 'delayed-' || i, run_after => now() + interval '1 hour')) " +
        "FROM generate_series($1::int, $2::int) AS i",
        "SELECT count(pgqueue.enqueue(batch_id => 'dead-' || i, max_attempts => 1)) FROM generate_series($1::int, $2::int) AS i",
        "SELECT count(*) FROM generate_series($1::int, $2::int) AS i, " +
        "LATERAL pgqueue.enqueue_many(batch_id => 'completed-' || i, payloads => ARRAY['{}', '{}', '{}']::jsonb[]) AS t",
    ];

    // Drains what is claimable: dead-* heads fail for good, completed-* tasks complete.
    private const string DrainClaimableSql = """
        DO $$
        DECLARE
          v_lease record;
          v_task record;
        BEGIN
          LOOP
            SELECT * INTO v_lease FROM pgqueue.claim_batch(worker_id => 'arrange');
            EXIT WHEN v_lease.batch_id IS NULL;
            LOOP
              SELECT * INTO v_task FROM pgqueue.dequeue_task(v_lease.batch_id, v_lease.lease_token);
              EXIT WHEN v_task.task_id IS NULL;
              IF v_lease.batch_id LIKE 'dead-%' THEN
                PERFORM pgqueue.fail_task(v_task.task_id, v_lease.lease_token, 'arranged to die');
              ELSE
                PERFORM pgqueue.complete_task(v_task.task_id, v_lease.lease_token);
              END IF;
            END LOOP;
            PERFORM pgqueue.release_batch(v_lease.batch_id, v_lease.lease_token);
          END LOOP;
        END
        $$;
        """;

    [Fact]
    public async Task An_idle_claim_touches_no_more_pages_with_a_hundred_times_more_idle_batches()
    {
        // VACUUM first, as autovacuum would: this measures the steady state, where the dead versions that draining
        // leaves in the batches indexes are gone (the test below keeps autovacuum coming often enough for that).
        var (few, many) = await IdleClaimPagesAsync();

        // Constant, not linear: a deeper index may cost a page or two more; 2000 idle batches read linearly would cost dozens.
        Assert.True(many <= few + 3, $"An idle claim touched {few} pages over 20 idle batches but {many} over 2020.");
    }

    [Fact]
    public async Task Batches_are_vacuumed_after_a_bounded_number_of_updates_not_a_fraction_of_the_table()
    {
        // Until VACUUM, every batch drained since the last one leaves a dead entry ahead of what an idle claim reads
        // (measured: 3 pages per idle claim, 13 after 400 drained batches, 41 after 1600). Autovacuum must therefore
        // come after a fixed number of updates, not after 20% of a table that may hold millions of idle batches.
        var options = await Sql.ScalarAsync<string[]>(Database.ConnectionString,
            "SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'pgqueue.batches'::regclass");

        Assert.Contains("autovacuum_vacuum_scale_factor=0", options);
        var threshold = options.Single(o => o.StartsWith("autovacuum_vacuum_threshold=", StringComparison.Ordinal));
        Assert.InRange(int.Parse(threshold.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture), 1, 1000);
    }

    private async Task<(long Few, long Many)> IdleClaimPagesAsync()
    {
        await ArrangeIdleBatchesAsync(1, 4);
        var few = await IdleClaimPagesAsync("VACUUM ANALYZE");
        await ArrangeIdleBatchesAsync(5, 404);
        var many = await IdleClaimPagesAsync("VACUUM ANALYZE");

        var counts = await CountsAsync();
        output.WriteLine($"pages per idle claim: {few} with 20 idle batches, {many} with {counts.Batches}");
        Assert.Equal((2020L, 808L, 404L), (counts.Batches, counts.Tasks, counts.DeadTasks));
        return (few, many);
    }

    private async Task ArrangeIdleBatchesAsync(int from, int to)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in ArrangeIdleBatchesSql)
        {
            await using var arrange = new NpgsqlCommand(sql, connection);
            arrange.Parameters.Add(new NpgsqlParameter<int> { TypedValue = from });
            arrange.Parameters.Add(new NpgsqlParameter<int> { TypedValue = to });
            await arrange.ExecuteNonQueryAsync();
        }

        await using var drain = new NpgsqlCommand(DrainClaimableSql, connection);
        await drain.ExecuteNonQueryAsync();
    }

    private async Task<long> IdleClaimPagesAsync(string maintenance)
    {
        await Sql.ExecuteAsync(Database.ConnectionString, $"{maintenance} pgqueue.batches, pgqueue.tasks, pgqueue.dead_tasks");
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        // Past PL/pgSQL's first executions, so plans are cached and planning reads no catalog pages.
        for (var i = 0; i < 8; i++)
        {
            await using var warmUp = new NpgsqlCommand("SELECT count(*) FROM pgqueue.claim_batch(worker_id => 'probe')", connection);
            Assert.Equal(0L, await warmUp.ExecuteScalarAsync());
        }

        var pages = long.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            await using var explain = new NpgsqlCommand(
                "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM pgqueue.claim_batch(worker_id => 'probe')", connection);
            using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
            var root = plan.RootElement[0].GetProperty("Plan");
            Assert.Equal(0, root.GetProperty("Actual Rows").GetInt64());
            pages = Math.Min(pages, root.GetProperty("Shared Hit Blocks").GetInt64() + root.GetProperty("Shared Read Blocks").GetInt64());
        }

        return pages;
    }
}
