using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PgQueue.Api.Auth;
using PgQueue.Api.Contracts;
using PgQueue.Api.Errors;

namespace PgQueue.Api.Endpoints;

/// <summary>
/// Recurring tasks: <c>PUT</c>/<c>DELETE /schedules/{scheduleName}</c> (admins); <c>GET /schedules</c>,
/// <c>GET /schedules/{scheduleName}</c>, <c>POST /schedules/enqueue-due</c> and <c>GET /cron/next</c> (workers), as the
/// database grants <c>schedule_status</c>, <c>enqueue_due_schedules</c> and <c>next_cron_run</c> to <c>pgqueue_worker</c>.
/// </summary>
internal static partial class ScheduleEndpoints
{
    private const string Tag = "Schedules";

    /// <summary>How many slots one <c>GET /cron/next</c> may preview.</summary>
    public const int MaxCronPreview = 20;

    public static IEndpointRouteBuilder MapScheduleEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPut("/schedules/{scheduleName}", SetAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Create or replace a recurring task (pgqueue.set_schedule); answers the schedule with its next run")
            .WithDescription("Exactly one of every ([d.]hh:mm:ss, whole seconds, at least 1 second: \"00:00:05\", " +
                             "\"1.00:00:00\") and cron (5 fields, cron(8) dialect, evaluated in timeZone, UTC by default). " +
                             "Setting a schedule never fires it at once; replacing one recomputes its next run from now. " +
                             "A bad name, cron, zone or interval answers 400 (PQ004), a bad batch id 400 (PQ002).");
        app.MapGet("/schedules", ListAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Worker)
            .WithSummary("List schedules (pgqueue.schedule_status) in name order, a page at a time");
        app.MapGet("/schedules/{scheduleName}", GetAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Worker)
            .WithSummary("Read a schedule with its next run and last enqueued slot; 404 if there is none by that name");
        app.MapDelete("/schedules/{scheduleName}", DropAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Admin)
            .WithSummary("Remove a schedule (pgqueue.drop_schedule): 204, or 404 if there was none")
            .WithDescription("Tasks it already enqueued stay in their batch.");
        app.MapPost("/schedules/enqueue-due", EnqueueDueAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Worker)
            .WithSummary("Enqueue one task for every due schedule (pgqueue.enqueue_due_schedules)")
            .WithDescription("Exactly once per slot however many callers race; slots missed while nothing called collapse " +
                             "into one task. POST /process-task does this too before it claims, so API-mode workers need " +
                             "not call it; a scheduler without workers may.");
        app.MapGet("/cron/next", NextCronRunsAsync)
            .WithTags(Tag)
            .RequireAuthorization(ApiRole.Worker)
            .WithSummary("Preview the next slots of a cron expression in a time zone (pgqueue.next_cron_run)")
            .WithDescription("The first slot is strictly after 'after' (default: the database's now); count (1 to 20, " +
                             "default 1) slots follow each other. Evaluated by the same PL/pgSQL as the schedules, so " +
                             "this is what a schedule with this cron and zone would do. Bad cron or zone: 400 (PQ004).");
        return app;
    }

    private static async Task<Results<Ok<ScheduleStatus>, ProblemHttpResult>> SetAsync(
        string scheduleName, [FromBody] SetScheduleRequest request, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        TimeSpan? every = null;
        if (request.Every is not null)
        {
            if (ParseEvery(request.Every) is not { } parsed)
            {
                return ApiProblems.BadRequest(
                    $"every must be a duration [d.]hh:mm:ss in whole seconds, e.g. \"00:00:05\", \"01:30:00\" or \"1.00:00:00\"; got \"{request.Every}\".");
            }

            every = parsed;
        }

        var timeZone = request.TimeZone ?? "UTC";
        var nextRun = await client.SetScheduleAsync(scheduleName, request.BatchId, every, request.Cron,
            request.Payload?.GetRawText(), request.TaskType, timeZone, cancellationToken);
        Log.ScheduleSet(loggers.CreateLogger(typeof(ScheduleEndpoints)), scheduleName, request.BatchId, every, request.Cron, timeZone, nextRun);
        if (await client.GetScheduleAsync(scheduleName, cancellationToken) is not { } schedule)
        {
            return TypedResults.Problem($"Schedule {scheduleName} was set, then dropped by another request before it could be read.",
                statusCode: StatusCodes.Status409Conflict, title: "Conflict");
        }

        return TypedResults.Ok(schedule);
    }

    private static async Task<Results<Ok<ScheduleList>, ProblemHttpResult>> ListAsync(
        string? after, int? limit, PgQueueClient client, IOptions<PgQueueApiOptions> options, CancellationToken cancellationToken)
    {
        if (ListLimit.Check(limit, options.Value) is { } problem)
        {
            return problem;
        }

        var pageSize = limit ?? ListLimit.Default;
        var schedules = await client.GetSchedulesAsync(after, pageSize, cancellationToken);
        return TypedResults.Ok(new ScheduleList(schedules, schedules.Count == pageSize ? schedules[^1].ScheduleName : null));
    }

    private static async Task<Results<Ok<ScheduleStatus>, ProblemHttpResult>> GetAsync(
        string scheduleName, PgQueueClient client, CancellationToken cancellationToken) =>
        await client.GetScheduleAsync(scheduleName, cancellationToken) is { } schedule
            ? TypedResults.Ok(schedule)
            : ApiProblems.NotFound($"No schedule is named {scheduleName}.");

    private static async Task<Results<NoContent, ProblemHttpResult>> DropAsync(
        string scheduleName, PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (!await client.DropScheduleAsync(scheduleName, cancellationToken))
        {
            return ApiProblems.NotFound($"No schedule is named {scheduleName}.");
        }

        Log.ScheduleDropped(loggers.CreateLogger(typeof(ScheduleEndpoints)), scheduleName);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<EnqueuedDueSchedules>> EnqueueDueAsync(PgQueueClient client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var enqueued = await client.EnqueueDueSchedulesAsync(cancellationToken);
        if (enqueued > 0)
        {
            Log.DueSchedulesEnqueued(loggers.CreateLogger(typeof(ScheduleEndpoints)), enqueued);
        }

        return TypedResults.Ok(new EnqueuedDueSchedules(enqueued));
    }

    private static async Task<Results<Ok<CronPreview>, ProblemHttpResult>> NextCronRunsAsync(
        string cron, string? timeZone, DateTimeOffset? after, int? count, PgQueueClient client, CancellationToken cancellationToken)
    {
        if (count is { } value && (value < 1 || value > MaxCronPreview))
        {
            return ApiProblems.BadRequest($"count must be between 1 and {MaxCronPreview}, got {value}.");
        }

        var zone = timeZone ?? "UTC";
        var runs = new List<DateTimeOffset>(count ?? 1);
        var from = after;
        for (var i = 0; i < (count ?? 1); i++)
        {
            var next = await client.NextCronRunAsync(cron, zone, from, cancellationToken);
            runs.Add(next);
            from = next;
        }

        return TypedResults.Ok(new CronPreview(cron, zone, after, runs));
    }

    /// <summary>Parses <c>[d.]hh:mm:ss</c> (hours 0–23, minutes and seconds 0–59), or <see langword="null"/>.</summary>
    internal static TimeSpan? ParseEvery(string text)
    {
        var match = EveryPattern().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var days = match.Groups["d"].Success ? int.Parse(match.Groups["d"].ValueSpan, CultureInfo.InvariantCulture) : 0;
        var hours = int.Parse(match.Groups["h"].ValueSpan, CultureInfo.InvariantCulture);
        var minutes = int.Parse(match.Groups["m"].ValueSpan, CultureInfo.InvariantCulture);
        var seconds = int.Parse(match.Groups["s"].ValueSpan, CultureInfo.InvariantCulture);
        return hours > 23 || minutes > 59 || seconds > 59 ? null : new TimeSpan(days, hours, minutes, seconds);
    }

    [GeneratedRegex(@"^(?:(?<d>[0-9]{1,5})\.)?(?<h>[0-9]{2}):(?<m>[0-9]{2}):(?<s>[0-9]{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex EveryPattern();
}
