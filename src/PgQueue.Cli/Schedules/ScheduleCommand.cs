using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace PgQueue.Cli.Schedules;

/// <summary>
/// <c>pgqueue schedule set|drop|list</c>: recurring tasks (<c>set_schedule</c>, <c>drop_schedule</c>, the view
/// <c>schedule_status</c>). Exit codes: 0 done, 1 the database failed, 2 bad arguments (also those the database refuses
/// with <c>PQ002</c>/<c>PQ004</c>; nothing is written then), 3 <c>drop</c> of a schedule that does not exist, 130
/// interrupted. Results go to standard output, errors and logs to standard error.
/// </summary>
internal static class ScheduleCommand
{
    private const string Timestamp = "yyyy-MM-dd HH:mm:ss";

    public static Command Create() => new("schedule", "Recurring tasks: set, drop or list the schedules that enqueue a task at every slot")
    {
        CreateSet(),
        CreateDrop(),
        CreateList(),
    };

    private static Command CreateSet()
    {
        var connection = ConnectionOption.Create();
        var verbose = VerboseOption.Create();
        var name = new Argument<string>("name") { Description = "The schedule's name (1–64 of A-Z a-z 0-9 . _ : -); an existing one is replaced" };
        var batch = new Option<string>("--batch", "-b") { Description = "The batch each run's task is enqueued into", Required = true };
        var every = new Option<string?>("--every") { Description = "Run every interval: 5s, 90s, 10m, 1h, 1d, 1h30m, 00:05:00 or PT5M (whole seconds)" };
        var cron = new Option<string?>("--cron") { Description = "Run at the slots of a 5-field cron expression, e.g. \"0 2 * * *\" (minute hour day month weekday)" };
        var payload = new Option<string>("--payload") { Description = "The JSON payload of each run's task", DefaultValueFactory = _ => "{}" };
        var type = new Option<string?>("--type") { Description = "The task type of each run's task" };
        var zone = new Option<string>("--time-zone") { Description = "The zone a cron expression is evaluated in (a pg_timezone_names name)", DefaultValueFactory = _ => "UTC" };
        var command = new Command("set", "Create or replace a schedule (exactly one of --every and --cron) and print its next run")
        {
            name, batch, every, cron, payload, type, zone, connection, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var everyText = parse.GetValue(every);
            var cronText = parse.GetValue(cron);
            if ((everyText is null) == (cronText is null))
            {
                await error.WriteLineAsync("error: give exactly one of --every and --cron").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            TimeSpan? interval = null;
            if (everyText is not null)
            {
                if (!ScheduleInterval.TryParse(everyText, out var parsed, out var problem))
                {
                    await error.WriteLineAsync($"error: --every: {problem}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }

                interval = parsed;
            }

            var payloadJson = parse.GetValue(payload)!;
            try
            {
                using var _ = JsonDocument.Parse(payloadJson);
            }
            catch (JsonException exception)
            {
                await error.WriteLineAsync($"error: --payload is not JSON: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            var scheduleName = parse.GetValue(name)!;
            var batchId = parse.GetValue(batch)!;
            var timeZone = parse.GetValue(zone)!;
            return await ClientVerb.RunAsync(parse, connection, verbose, async (client, output, ct) =>
            {
                var nextRun = await client.SetScheduleAsync(scheduleName, batchId, interval, cronText, payloadJson, parse.GetValue(type), timeZone, ct)
                    .ConfigureAwait(false);
                var how = interval is { } e ? $"every {ScheduleInterval.Format(e)}" : $"cron \"{cronText}\" in {timeZone}";
                await output.WriteLineAsync($"Schedule '{scheduleName}' set: {how}, into batch '{batchId}'.").ConfigureAwait(false);
                await output.WriteLineAsync($"Next run: {Describe(nextRun, interval is null ? timeZone : "UTC")}").ConfigureAwait(false);
                return ExitCodes.Success;
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateDrop()
    {
        var connection = ConnectionOption.Create();
        var verbose = VerboseOption.Create();
        var name = new Argument<string>("name") { Description = "The schedule's name" };
        var command = new Command("drop", "Remove a schedule (exit code 3 if there is none by that name); its pending tasks stay")
        {
            name, connection, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var scheduleName = parse.GetValue(name)!;
            return await ClientVerb.RunAsync(parse, connection, verbose, async (client, output, ct) =>
            {
                if (!await client.DropScheduleAsync(scheduleName, ct).ConfigureAwait(false))
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"error: no schedule named '{scheduleName}'").ConfigureAwait(false);
                    return ExitCodes.NotFound;
                }

                await output.WriteLineAsync($"Schedule '{scheduleName}' dropped.").ConfigureAwait(false);
                return ExitCodes.Success;
            }, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateList()
    {
        var connection = ConnectionOption.Create();
        var verbose = VerboseOption.Create();
        var command = new Command("list", "Print every schedule: name, batch, every or cron, zone, next run, last slot (times in UTC)")
        {
            connection, verbose,
        };
        command.SetAction((parse, cancellationToken) => ClientVerb.RunAsync(parse, connection, verbose, async (client, output, ct) =>
        {
            var schedules = new List<ScheduleStatus>();
            const int Page = 500;
            while (true)
            {
                var page = await client.GetSchedulesAsync(schedules.Count == 0 ? null : schedules[^1].ScheduleName, Page, ct).ConfigureAwait(false);
                schedules.AddRange(page);
                if (page.Count < Page)
                {
                    break;
                }
            }

            if (schedules.Count == 0)
            {
                await output.WriteLineAsync("No schedules.").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            string[] header = ["NAME", "BATCH", "EVERY / CRON", "ZONE", "NEXT RUN (UTC)", "LAST SLOT (UTC)"];
            var rows = schedules.Select(s => new[]
            {
                s.ScheduleName,
                s.BatchId,
                s.Every is { } e ? $"every {ScheduleInterval.Format(e)}" : $"cron {s.Cron}",
                s.TimeZone,
                Utc(s.NextRun),
                s.LastSlot is { } last ? Utc(last) : "-",
            }).ToList();
            var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
            foreach (var row in rows.Prepend(header))
            {
                await output.WriteLineAsync(string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd()).ConfigureAwait(false);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString(Timestamp, CultureInfo.InvariantCulture);

    // "2026-11-26 02:00:00 Europe/Berlin (2026-11-26T01:00:00Z)", or the UTC time alone.
    private static string Describe(DateTimeOffset time, string timeZone)
    {
        var utc = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (timeZone is "UTC" or "Etc/UTC")
        {
            return utc;
        }

        try
        {
            var local = TimeZoneInfo.ConvertTime(time, TimeZoneInfo.FindSystemTimeZoneById(timeZone));
            return $"{local.ToString(Timestamp, CultureInfo.InvariantCulture)} {timeZone} ({utc})";
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return utc;
        }
    }
}
