using Cronos;
using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Schedules;

// pgqueue.next_cron_run against Cronos, the oracle DESIGN.md names for clock changes: chains of successive slots from
// starts just before each 2026 clock change (and a day before), in zones that shift by an hour both ways and by half an
// hour (Lord Howe). Only expressions in the dialects' common ground: both day fields restricted at once is OR in cron(8)
// and here, AND in Cronos.
public sealed class CronOracleTests(DatabaseFixture database) : DatabaseTest(database)
{
    private const int Steps = 12;

    // The first slot through the public function; the next ones through the helper it delegates to once the
    // expression and zone are checked (the zone check reads pg_timezone_names, slow enough to dominate a long chain).
    private const string ChainSql =
        "WITH RECURSIVE c(n, t) AS (SELECT 1, pgqueue.next_cron_run($1::text, $2::text, $3::timestamptz) UNION ALL " +
        "SELECT n + 1, pgqueue._next_cron_slot($1::text, $2::text, t) FROM c WHERE n < $4::integer) " +
        "SELECT t FROM c ORDER BY n";

    private static readonly string[] Expressions =
    [
        "* * * * *", "*/15 * * * *", "0 * * * *", "30 2 * * *", "0 2 * * *", "0,30 2 * * *", "0 1-3 * * *",
        "*/20 1-3 * * *", "15 2 * * 0", "0 3 * * SUN", "45 1 * * *", "0 0 * * *", "5 4 * * MON-FRI", "0 12 1 * *",
        "0 0 29 2 *", "1-30/5 2 * * *", "0 2 * 3,10 *", "59 23 31 12 *", "0 */2 * * *", "30 1 * * 5-7", "0 2-4/2 * * *",
        "10,40 0-6 * * *", "0 22 * * 7", "* 2 * * *",
    ];

    // The UTC instants of 2026's clock changes.
    public static TheoryData<string, string[]> Zones => new()
    {
        { "Europe/Berlin", ["2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z"] },
        { "America/New_York", ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z"] },
        { "Australia/Lord_Howe", ["2026-04-04T15:00:00Z", "2026-10-03T15:30:00Z"] },
        { "UTC", ["2026-06-01T00:00:00Z"] },
    };

    [Theory]
    [MemberData(nameof(Zones))]
    public async Task Next_cron_run_matches_Cronos_across_clock_changes(string zone, string[] changes)
    {
        var timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var mismatches = new List<string>();
        var compared = 0;
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();

        foreach (var change in changes.Select(DateTimeOffset.Parse))
        {
            foreach (var start in new[] { change.AddMinutes(-45), change.AddDays(-1) })
            {
                foreach (var expression in Expressions)
                {
                    var ours = await ChainAsync(connection, expression, zone, start);
                    var theirs = CronosChain(CronExpression.Parse(expression), timeZone, start);
                    compared += ours.Count;
                    var firstDifference = Enumerable.Range(0, Steps).FirstOrDefault(i => ours[i] != theirs[i], -1);
                    if (firstDifference >= 0)
                    {
                        mismatches.Add(
                            $"'{expression}' in {zone} from {start:O}, slot {firstDifference + 1}: " +
                            $"next_cron_run {ours[firstDifference]:O}, Cronos {theirs[firstDifference]:O}");
                    }
                }
            }
        }

        Assert.True(mismatches.Count == 0, string.Join(Environment.NewLine, mismatches));
        Assert.Equal(changes.Length * 2 * Expressions.Length * Steps, compared);
    }

    private static async Task<List<DateTimeOffset>> ChainAsync(NpgsqlConnection connection, string expression, string zone, DateTimeOffset start)
    {
        await using var command = new NpgsqlCommand(ChainSql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = expression });
        command.Parameters.Add(new NpgsqlParameter { Value = zone });
        command.Parameters.Add(new NpgsqlParameter { Value = start.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = Steps });
        var slots = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            slots.Add(reader.GetFieldValue<DateTimeOffset>(0).ToUniversalTime());
        }

        return slots;
    }

    private static List<DateTimeOffset> CronosChain(CronExpression expression, TimeZoneInfo zone, DateTimeOffset start)
    {
        var slots = new List<DateTimeOffset>();
        var current = start;
        for (var i = 0; i < Steps; i++)
        {
            current = expression.GetNextOccurrence(current, zone)
                ?? throw new InvalidOperationException($"Cronos found no occurrence after {current:O}.");
            slots.Add(current.ToUniversalTime());
        }

        return slots;
    }
}
