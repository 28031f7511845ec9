using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace PgQueue.Tests.Invariants;

/// <summary>
/// Exactly one task per schedule slot while 10 connections call <c>enqueue_due_schedules</c> at once in a loop. A
/// drainer takes each enqueued task out as soon as it commits, so a pending dedup key cannot hide a second enqueue of
/// the same slot: only the function's own locking (SKIP LOCKED on the due row, next run advanced in the same
/// transaction) keeps slots unique. Bounded in time; asserts invariants, never timings.
/// </summary>
public sealed class ScheduleSlotRaceTests(DatabaseFixture database, ITestOutputHelper output) : QueueTest(database)
{
    private const int Callers = 10;
    private const int Schedules = 4;
    private static readonly TimeSpan RaceTime = TimeSpan.FromSeconds(7);

    [Fact]
    public async Task Ten_connections_calling_enqueue_due_schedules_in_a_loop_enqueue_each_slot_exactly_once()
    {
        for (var i = 0; i < Schedules; i++)
        {
            await Client.SetScheduleAsync($"race-{i}", $"race-lane-{i}", every: TimeSpan.FromSeconds(1));
        }

        var reported = 0L;
        var seen = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource(RaceTime);
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(Database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT pgqueue.enqueue_due_schedules()", connection);
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Add(ref reported, (int)(await command.ExecuteScalarAsync())!);
            }
        })).ToList();
        var drainer = Task.Run(async () =>
        {
            await using var connection = new NpgsqlConnection(Database.ConnectionString);
            await connection.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                await DrainAsync(connection, seen);
            }
        });
        await Task.WhenAll([.. callers, drainer]);
        await using (var connection = new NpgsqlConnection(Database.ConnectionString))
        {
            await connection.OpenAsync();
            await DrainAsync(connection, seen);
        }

        var keys = seen.ToList();
        var duplicates = keys.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        output.WriteLine($"{keys.Count} tasks over {Schedules} schedules from {Callers} callers in {RaceTime.TotalSeconds} s");
        Assert.Empty(duplicates);
        Assert.Equal(reported, keys.Count);
        for (var i = 0; i < Schedules; i++)
        {
            var slots = keys.Where(k => k.StartsWith($"race-{i}@", StringComparison.Ordinal)).ToList();
            // Liveness, not timing: a 1-second schedule raced for 7 s has had at least two slots.
            Assert.True(slots.Count >= 2, $"race-{i} got {slots.Count} slots");
            var status = await Client.GetScheduleAsync($"race-{i}");
            Assert.Equal(status!.LastSlot!.Value.UtcDateTime, slots.Select(ParseSlot).Max());
        }
    }

    // Takes every committed schedule task out (as a completing worker would) and remembers its dedup key.
    private static async Task DrainAsync(NpgsqlConnection connection, ConcurrentQueue<string> seen)
    {
        await using var command = new NpgsqlCommand(
            "DELETE FROM pgqueue.tasks WHERE batch_id LIKE 'race-lane-%' RETURNING dedup_key", connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            seen.Enqueue(reader.GetString(0));
        }
    }

    private static DateTime ParseSlot(string dedupKey)
    {
        var slot = dedupKey[(dedupKey.IndexOf('@', StringComparison.Ordinal) + 1)..];
        var parsed = DateTimeOffset.Parse(slot, System.Globalization.CultureInfo.InvariantCulture);
        Debug.Assert(parsed.Offset == TimeSpan.Zero || slot.EndsWith('Z'));
        return parsed.UtcDateTime;
    }
}
