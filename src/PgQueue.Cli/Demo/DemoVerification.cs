using System.Globalization;
using Npgsql;

namespace PgQueue.Cli.Demo;

/// <summary>
/// What the demo proves, computed from what committed: each task's 'run' row commits in the task's own
/// transaction, so the rows are exactly the completed tasks, in commit order per batch (seq).
/// </summary>
internal sealed record DemoVerification(
    long Completed,
    long DistinctCompleted,
    long Starts,
    long FifoViolations,
    long GapsInOrder,
    long LeaseTokenRegressions,
    long OverlappingRuns,
    long Leases,
    long PendingLeft,
    long DeadLeft,
    IReadOnlyDictionary<string, (int Done, int Expected)> Batches)
{
    public static async Task<DemoVerification> ComputeAsync(
        NpgsqlDataSource dataSource, Guid runId, IReadOnlyDictionary<string, int> perBatch, CancellationToken cancellationToken)
    {
        // Along each batch's commit order (seq): n must go 1, 2, 3 ... (FIFO, nothing skipped), task ids must
        // ascend, a run must start after the previous one finished, and lease tokens must never go back (a batch
        // changes hands only forward: an old owner never commits after a newer one).
        await using var command = dataSource.CreateCommand(
            """
            WITH r AS (
              SELECT r.*,
                     row_number() OVER w AS position,
                     lag(r.task_id) OVER w AS previous_task_id,
                     lag(r.lease_token) OVER w AS previous_token,
                     lag(r.finished_at) OVER w AS previous_finished_at
                FROM pgqueue_demo.task_runs AS r
               WHERE r.run_id = $1
              WINDOW w AS (PARTITION BY r.batch_id ORDER BY r.seq))
            SELECT count(*),
                   count(DISTINCT task_id),
                   (SELECT count(*) FROM pgqueue_demo.task_starts AS s WHERE s.run_id = $1),
                   count(*) FILTER (WHERE task_id <= previous_task_id),
                   count(*) FILTER (WHERE n <> position),
                   count(*) FILTER (WHERE lease_token < previous_token),
                   count(*) FILTER (WHERE started_at < previous_finished_at),
                   count(DISTINCT lease_token),
                   (SELECT count(*) FROM pgqueue.pending_tasks AS p WHERE p.payload ->> 'runId' = $1::text),
                   (SELECT count(*) FROM pgqueue.failed_tasks AS f WHERE f.payload ->> 'runId' = $1::text)
              FROM r
            """);
        command.Parameters.Add(new() { Value = runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var values = Enumerable.Range(0, 10).Select(reader.GetInt64).ToArray();
        await reader.DisposeAsync().ConfigureAwait(false);

        await using var perBatchCommand = dataSource.CreateCommand(
            "SELECT batch_id, count(*)::int FROM pgqueue_demo.task_runs WHERE run_id = $1 GROUP BY batch_id");
        perBatchCommand.Parameters.Add(new() { Value = runId });
        var done = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var batchReader = await perBatchCommand.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await batchReader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                done[batchReader.GetString(0)] = batchReader.GetInt32(1);
            }
        }

        return new DemoVerification(values[0], values[1], values[2], values[3], values[4], values[5], values[6], values[7],
            values[8], values[9],
            perBatch.ToDictionary(kv => kv.Key, kv => (done.GetValueOrDefault(kv.Key), kv.Value), StringComparer.Ordinal));
    }

    /// <summary>Prints the verification and returns the exit code: 0 when every check holds.</summary>
    public int Report(TextWriter output, bool finished, TimeSpan elapsed, DemoSettings settings, int failuresInjected)
    {
        var expected = Batches.Values.Sum(b => b.Expected);
        var checks = new List<(bool Ok, string Text)>
        {
            (finished && Completed == expected && DistinctCompleted == expected && PendingLeft == 0 && DeadLeft == 0,
                $"nothing lost: {DistinctCompleted} of {expected} tasks completed, {Completed - DistinctCompleted} twice; " +
                $"{PendingLeft} pending, {DeadLeft} dead"),
            (FifoViolations == 0 && GapsInOrder == 0,
                $"FIFO held in every batch: {string.Join(", ", Batches.Select(b => $"{b.Key} 1..{b.Value.Done}"))} completed in enqueue order " +
                $"({FifoViolations} out of order, {GapsInOrder} skipped)"),
            (OverlappingRuns == 0 && LeaseTokenRegressions == 0,
                $"never two owners of one batch at once: {OverlappingRuns} overlapping runs; {Leases} leases over " +
                $"{Batches.Count} batches, tokens only moved forward ({LeaseTokenRegressions} went back)"),
            (Starts - Completed == failuresInjected,
                $"redone work: {Starts - Completed} extra starts = the {failuresInjected} injected first-attempt failures, " +
                "each retried after backoff in its place"),
        };

        output.WriteLine("Verification (computed from what committed):");
        foreach (var (ok, text) in checks)
        {
            output.WriteLine($"  [{(ok ? "ok" : "FAIL")}] {text}");
        }

        var parallel = Math.Min(settings.Workers, Batches.Count);
        var rate = elapsed.TotalSeconds > 0 ? Completed / elapsed.TotalSeconds : 0;
        var ideal = parallel / Math.Max(settings.TaskTime.Average.TotalSeconds, 1e-6);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  throughput: {rate:0.00} tasks/s in {elapsed.TotalSeconds:0.0}s with {settings.Workers} workers over {Batches.Count} batches " +
            $"(at most {parallel} run at once, one per batch; ideal {ideal:0.00} tasks/s for {settings.TaskTime} tasks: {rate / ideal:P0})"));

        var passed = checks.TrueForAll(c => c.Ok);
        output.WriteLine(passed ? "Result: PASS" : "Result: FAIL");
        return passed ? 0 : 1;
    }
}
