using PgQueue.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PgQueue.Tests.Invariants;

/// <summary>
/// Invariants 1–4 of DESIGN.md, each judged on a real race: 16 workers over 60 batches × 8 tasks while producers
/// enqueue and task transactions are terminated mid-flight.
/// </summary>
public sealed class RaceInvariantTests(DatabaseFixture database, ITestOutputHelper output) : QueueTest(database)
{
    private async Task<RaceResult> RaceAsync()
    {
        var race = await RaceHarness.RunAsync(Database, new RaceOptions());
        output.WriteLine(race.Describe());
        return race;
    }

    [Fact]
    public async Task Exclusive_ownership_no_batch_ever_commits_under_an_older_lease_than_one_that_already_committed()
    {
        var race = await RaceAsync();

        var grants = race.Log.Where(PgQueueEventId.BatchClaimed).GroupBy(e => e.Get<long>("LeaseToken")).ToList();
        Assert.All(grants, grant => Assert.Single(grant));
        var owners = race.LeaseOwners;
        foreach (var batch in race.Enqueued.Keys)
        {
            foreach (var rows in new[] { race.Dones, race.Starts })
            {
                var tokens = rows.Where(r => r.BatchId == batch).Select(r => r.LeaseToken!.Value).ToList();
                Assert.True(tokens.SequenceEqual(tokens.Order()),
                    $"Batch {batch}: lease tokens went back along the log: {string.Join(", ", tokens)}. {race.Describe()}");
            }
        }

        // Each commit came from the worker the lease was granted to.
        Assert.All(race.Dones, done => Assert.Equal(owners[done.LeaseToken!.Value], done.Worker));
        Assert.True(race.Dones.Select(d => d.LeaseToken).Distinct().Count() > race.Enqueued.Count,
            $"Batches should change hands mid-batch in this race. {race.Describe()}");
    }

    [Fact]
    public async Task Strict_fifo_every_batch_completes_in_id_order_and_no_task_starts_before_its_predecessors_are_done()
    {
        var race = await RaceAsync();

        foreach (var (batch, ids) in race.Enqueued)
        {
            Assert.Equal(ids.Order(), ids);
            var dones = race.Dones.Where(r => r.BatchId == batch).ToList();
            Assert.Equal(ids, dones.Select(r => r.TaskId!.Value));

            var doneAt = dones.ToDictionary(r => r.TaskId!.Value, r => r.Seq);
            foreach (var start in race.Starts.Where(r => r.BatchId == batch))
            {
                foreach (var earlier in ids.TakeWhile(id => id < start.TaskId))
                {
                    Assert.True(doneAt[earlier] < start.Seq,
                        $"Task {start.TaskId} of {batch} started (seq {start.Seq}) before task {earlier} was done (seq {doneAt[earlier]}).");
                }
            }
        }
    }

    [Fact]
    public async Task Nothing_lost_every_task_completes_exactly_once_although_task_transactions_are_killed()
    {
        var race = await RaceAsync();

        var enqueued = race.Enqueued.Values.SelectMany(ids => ids).Order().ToList();
        Assert.Equal(60 * 8, enqueued.Count);
        Assert.Equal(enqueued, race.Dones.Select(d => d.TaskId!.Value).Order());
        Assert.Equal((0L, 0L), (race.Counts.Tasks, race.Counts.DeadTasks));
        Assert.True(race.Kills > 0, $"The chaos loop killed no task transaction, so this race proved nothing. {race.Describe()}");
    }

    [Fact]
    public async Task At_most_one_task_reprocessed_per_crash_starts_exceed_completions_by_no_more_than_kills_and_takeovers()
    {
        var race = await RaceAsync();

        Assert.True(race.Kills > 0, $"The chaos loop killed no task transaction, so this race proved nothing. {race.Describe()}");
        Assert.True(race.Starts.Count - race.Dones.Count <= race.Kills + race.Takeovers, race.Describe());
        // Every task started at least once and each redo is a start without a done.
        Assert.All(race.Dones, done => Assert.Contains(race.Starts, start => start.TaskId == done.TaskId && start.Seq < done.Seq));
    }
}
