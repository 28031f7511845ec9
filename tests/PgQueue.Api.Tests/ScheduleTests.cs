using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PgQueue.Api.Tests.Support;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests;

public sealed class ScheduleTests(ApiFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task Put_schedule_with_every_creates_it_and_answers_its_next_run_one_interval_after_it_was_set()
    {
        using var admin = Admin();

        var schedule = await JsonAsync(await admin.PutAsJsonAsync("/schedules/heartbeat",
            new { batchId = "A", every = "00:00:05", taskType = "demo.sleep", payload = new { n = 1 } }), HttpStatusCode.OK);

        Assert.Equal("heartbeat", schedule.GetProperty("scheduleName").GetString());
        Assert.Equal("A", schedule.GetProperty("batchId").GetString());
        Assert.Equal("00:00:05", schedule.GetProperty("every").GetString());
        Assert.Equal(JsonValueKind.Null, schedule.GetProperty("cron").ValueKind);
        Assert.Equal("UTC", schedule.GetProperty("timeZone").GetString());
        Assert.Equal("demo.sleep", schedule.GetProperty("taskType").GetString());
        Assert.Equal(JsonValueKind.Null, schedule.GetProperty("lastSlot").ValueKind);
        var (nextRun, anchor, payload) = await StoredAsync("heartbeat");
        Assert.Equal(nextRun, schedule.GetProperty("nextRun").GetDateTimeOffset());
        Assert.Equal(anchor.AddSeconds(5), nextRun);
        Assert.Equal("""{"n": 1}""", payload);
        Assert.Equal(0, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task Put_schedule_with_cron_evaluates_it_in_its_time_zone_and_defaults_the_payload_to_an_empty_object()
    {
        using var admin = Admin();
        var before = await Sql.ScalarAsync<DateTime>(ConnectionString, "SELECT now()");

        var schedule = await JsonAsync(await admin.PutAsJsonAsync("/schedules/lunch",
            new { batchId = "reports", cron = "30 12 * * *", timeZone = "Asia/Tokyo" }), HttpStatusCode.OK);

        Assert.Equal(JsonValueKind.Null, schedule.GetProperty("every").ValueKind);
        Assert.Equal("30 12 * * *", schedule.GetProperty("cron").GetString());
        Assert.Equal("Asia/Tokyo", schedule.GetProperty("timeZone").GetString());
        var nextRun = schedule.GetProperty("nextRun").GetDateTimeOffset();
        // Tokyo is UTC+9 all year: 12:30 there is 03:30 UTC, the first one after the call.
        Assert.Equal(new TimeSpan(3, 30, 0), nextRun.UtcDateTime.TimeOfDay);
        Assert.InRange(nextRun.UtcDateTime, before, before.AddDays(1));
        Assert.Equal("{}", (await StoredAsync("lunch")).Payload);
    }

    [Fact]
    public async Task Put_schedule_again_replaces_it()
    {
        using var admin = Admin();
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/s", new { batchId = "A", every = "1.00:00:00" }), HttpStatusCode.OK);

        var replaced = await JsonAsync(await admin.PutAsJsonAsync("/schedules/s",
            new { batchId = "B", cron = "*/15 * * * *", taskType = "demo.sleep" }), HttpStatusCode.OK);

        Assert.Equal("B", replaced.GetProperty("batchId").GetString());
        Assert.Equal("*/15 * * * *", replaced.GetProperty("cron").GetString());
        Assert.Equal(JsonValueKind.Null, replaced.GetProperty("every").ValueKind);
        var read = await JsonAsync(await admin.GetAsync("/schedules/s"), HttpStatusCode.OK);
        Assert.Equal(replaced.GetRawText(), read.GetRawText());
        Assert.Equal(1L, await Sql.ScalarAsync<long>(ConnectionString, "SELECT count(*) FROM pgqueue.schedules"));
    }

    [Fact]
    public async Task A_day_long_interval_round_trips_in_the_same_form()
    {
        using var admin = Admin();
        var schedule = await JsonAsync(await admin.PutAsJsonAsync("/schedules/daily", new { batchId = "A", every = "1.00:00:00" }), HttpStatusCode.OK);
        Assert.Equal("1.00:00:00", schedule.GetProperty("every").GetString());
        var (nextRun, anchor, _) = await StoredAsync("daily");
        Assert.Equal(anchor.AddDays(1), nextRun);
    }

    public static TheoryData<string, string?> InvalidScheduleBodies => new()
    {
        // every: one form, [d.]hh:mm:ss in whole seconds; the API refuses other forms itself.
        { """{"batchId":"A","every":"5 minutes"}""", null },
        { """{"batchId":"A","every":"5"}""", null },
        { """{"batchId":"A","every":"00:00:00.5"}""", null },
        { """{"batchId":"A","every":"25:00:00"}""", null },
        { """{"batchId":"A","every":"00:61:00"}""", null },
        { """{"batchId":"A","every":"00:00:05\n"}""", null },
        { """{"batchId":"A","every":5}""", null },
        // The database refuses what the form allows but the contract does not.
        { """{"batchId":"A","every":"00:00:00"}""", "PQ004" },
        { """{"batchId":"A","every":"00:00:05","cron":"* * * * *"}""", "PQ004" },
        { """{"batchId":"A"}""", "PQ004" },
        { """{"batchId":"A","cron":"* * * *"}""", "PQ004" },
        { """{"batchId":"A","cron":"61 * * * *"}""", "PQ004" },
        { """{"batchId":"A","cron":"@daily"}""", "PQ004" },
        { """{"batchId":"A","cron":"0 0 30 2 *"}""", "PQ004" },
        { """{"batchId":"A","cron":"0 2 * * *","timeZone":"Mars/Olympus"}""", "PQ004" },
        { """{"batchId":"A","cron":"0 2 * * *","timeZone":"CEST"}""", "PQ004" },
        { """{"batchId":"A","every":"00:00:05","taskType":""}""", "PQ004" },
        { """{"batchId":"has space","every":"00:00:05"}""", "PQ002" },
        // Unreadable bodies.
        { """{"every":"00:00:05"}""", null },
        { """{"batch":"A","every":"00:00:05"}""", null },
        { """{"batchId":"A","every":"00:00:05",""", null },
        { """["A"]""", null },
    };

    [Theory]
    [MemberData(nameof(InvalidScheduleBodies))]
    public async Task Put_schedule_rejects_bad_input_with_400_and_writes_nothing(string body, string? sqlState)
    {
        using var admin = Admin();
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/existing", new { batchId = "A", every = "00:01:00" }), HttpStatusCode.OK);

        var problem = await RejectedAsync(() => admin.PutAsync("/schedules/s", Json(body)), HttpStatusCode.BadRequest, sqlState);

        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        using var missing = await admin.GetAsync("/schedules/s");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Theory]
    [InlineData("/schedules/has%20space")]
    [InlineData("/schedules/a@b")]
    [InlineData("/schedules/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task Put_schedule_rejects_an_invalid_name_with_400_PQ004(string path)
    {
        using var admin = Admin();
        var problem = await RejectedAsync(() => admin.PutAsJsonAsync(path, new { batchId = "A", every = "00:00:05" }), HttpStatusCode.BadRequest, "PQ004");
        Assert.Contains("schedule name", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Get_schedules_lists_them_in_name_order_a_page_at_a_time_for_workers()
    {
        using var admin = Admin();
        foreach (var name in new[] { "c", "a", "b" })
        {
            await JsonAsync(await admin.PutAsJsonAsync($"/schedules/{name}", new { batchId = "A", every = "00:01:00" }), HttpStatusCode.OK);
        }

        using var worker = Worker();
        var first = await JsonAsync(await worker.GetAsync("/schedules?limit=2"), HttpStatusCode.OK);
        Assert.Equal(["a", "b"], first.GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("scheduleName").GetString()));
        Assert.Equal("b", first.GetProperty("nextAfter").GetString());

        var second = await JsonAsync(await worker.GetAsync("/schedules?limit=2&after=b"), HttpStatusCode.OK);
        Assert.Equal(["c"], second.GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("scheduleName").GetString()));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextAfter").ValueKind);

        var one = await JsonAsync(await worker.GetAsync("/schedules/b"), HttpStatusCode.OK);
        Assert.Equal("b", one.GetProperty("scheduleName").GetString());
    }

    [Theory]
    [InlineData("/schedules?limit=0")]
    [InlineData("/schedules?limit=1001")]
    [InlineData("/schedules?limit=many")]
    public async Task Get_schedules_rejects_a_limit_out_of_range_with_400(string path)
    {
        using var worker = Worker();
        await RejectedAsync(() => worker.GetAsync(path), HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/schedules/nothing")]
    [InlineData("/schedules/has%20space")]
    public async Task Get_schedule_answers_404_problem_details_when_there_is_none(string path)
    {
        using var worker = Worker();
        await RejectedAsync(() => worker.GetAsync(path), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_schedule_answers_204_then_404_and_keeps_the_tasks_it_enqueued()
    {
        using var admin = Admin();
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/s", new { batchId = "A", every = "01:00:00" }), HttpStatusCode.OK);
        await MakeDueAsync("s");
        await JsonAsync(await admin.PostAsync("/schedules/enqueue-due", null), HttpStatusCode.OK);

        using (var dropped = await admin.DeleteAsync("/schedules/s"))
        {
            Assert.Equal(HttpStatusCode.NoContent, dropped.StatusCode);
            Assert.Empty(await dropped.Content.ReadAsByteArrayAsync());
        }

        await RejectedAsync(() => admin.GetAsync("/schedules/s"), HttpStatusCode.NotFound);
        await RejectedAsync(() => admin.DeleteAsync("/schedules/s"), HttpStatusCode.NotFound);
        Assert.Equal(1, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task Delete_schedule_rejects_an_invalid_name_with_400_PQ004()
    {
        using var admin = Admin();
        await RejectedAsync(() => admin.DeleteAsync("/schedules/has%20space"), HttpStatusCode.BadRequest, "PQ004");
    }

    [Fact]
    public async Task Enqueue_due_enqueues_one_task_per_due_slot_with_the_schedules_payload_and_dedup_key()
    {
        using var admin = Admin();
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/tick",
            new { batchId = "T", every = "01:00:00", taskType = "demo.sleep", payload = new { n = 7 } }), HttpStatusCode.OK);
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/later", new { batchId = "L", every = "01:00:00" }), HttpStatusCode.OK);
        using var worker = Worker();

        var idle = await JsonAsync(await worker.PostAsync("/schedules/enqueue-due", null), HttpStatusCode.OK);
        Assert.Equal(0, idle.GetProperty("enqueued").GetInt32());

        await MakeDueAsync("tick");
        var fired = await JsonAsync(await worker.PostAsync("/schedules/enqueue-due", null), HttpStatusCode.OK);
        Assert.Equal(1, fired.GetProperty("enqueued").GetInt32());
        var again = await JsonAsync(await worker.PostAsync("/schedules/enqueue-due", null), HttpStatusCode.OK);
        Assert.Equal(0, again.GetProperty("enqueued").GetInt32());

        var tasks = await JsonAsync(await admin.GetAsync("/tasks"), HttpStatusCode.OK);
        var task = Assert.Single(tasks.GetProperty("tasks").EnumerateArray());
        Assert.Equal("T", task.GetProperty("batchId").GetString());
        Assert.Equal("demo.sleep", task.GetProperty("taskType").GetString());
        Assert.Equal("""{"n":7}""", task.GetProperty("payload").GetRawText());

        var schedule = await JsonAsync(await worker.GetAsync("/schedules/tick"), HttpStatusCode.OK);
        var slot = schedule.GetProperty("lastSlot").GetDateTimeOffset();
        Assert.Equal($"tick@{slot.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}", task.GetProperty("dedupKey").GetString());
        Assert.Equal(slot.AddHours(1), schedule.GetProperty("nextRun").GetDateTimeOffset());
    }

    [Fact]
    public async Task Concurrent_enqueue_due_calls_enqueue_a_due_slot_exactly_once()
    {
        using var admin = Admin();
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/once", new { batchId = "O", every = "00:10:00" }), HttpStatusCode.OK);
        await MakeDueAsync("once");

        var calls = Enumerable.Range(0, 10).Select(async _ =>
        {
            using var worker = Worker();
            var answer = await JsonAsync(await worker.PostAsync("/schedules/enqueue-due", null), HttpStatusCode.OK);
            return answer.GetProperty("enqueued").GetInt32();
        });
        var enqueued = await Task.WhenAll(calls);

        Assert.Equal(1, enqueued.Sum());
        Assert.Equal(1, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task Process_task_enqueues_due_schedules_first_so_api_mode_workers_run_them()
    {
        using var admin = Admin();
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/job",
            new { batchId = "S", every = "01:00:00", taskType = "demo.sleep" }), HttpStatusCode.OK);
        using var worker = Worker();

        var idle = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);
        Assert.Equal("nothing to do", idle.GetProperty("outcome").GetString());
        Assert.Equal(0, idle.GetProperty("schedulesEnqueued").GetInt32());

        await MakeDueAsync("job");
        var ran = await JsonAsync(await worker.PostAsJsonAsync("/process-task", new { workerId = "w" }), HttpStatusCode.OK);

        Assert.Equal(1, ran.GetProperty("schedulesEnqueued").GetInt32());
        Assert.Equal("S", ran.GetProperty("batchId").GetString());
        Assert.Equal(1, ran.GetProperty("tasksCompleted").GetInt32());
        Assert.Equal(0, (await CountsAsync()).Tasks);
    }

    [Fact]
    public async Task Cron_next_answers_the_next_slots_after_a_moment()
    {
        using var worker = Worker();

        var daily = await JsonAsync(await worker.GetAsync(
            "/cron/next?cron=0%2012%20*%20*%20*&after=2025-01-01T13:00:00Z&count=3"), HttpStatusCode.OK);

        Assert.Equal("0 12 * * *", daily.GetProperty("cron").GetString());
        Assert.Equal("UTC", daily.GetProperty("timeZone").GetString());
        Assert.Equal(
            [DateTimeOffset.Parse("2025-01-02T12:00:00Z"), DateTimeOffset.Parse("2025-01-03T12:00:00Z"), DateTimeOffset.Parse("2025-01-04T12:00:00Z")],
            daily.GetProperty("nextRuns").EnumerateArray().Select(run => run.GetDateTimeOffset()));
    }

    [Fact]
    public async Task Cron_next_runs_a_time_skipped_by_a_clock_change_when_the_gap_ends()
    {
        using var worker = Worker();

        // Berlin skips 02:00-03:00 on 2025-03-30: a 02:30 job runs at 03:00 CEST (01:00 UTC) that day, at 02:30 the next.
        var preview = await JsonAsync(await worker.GetAsync(
            "/cron/next?cron=30%202%20*%20*%20*&timeZone=Europe/Berlin&after=2025-03-29T12:00:00Z&count=2"), HttpStatusCode.OK);

        Assert.Equal(
            [DateTimeOffset.Parse("2025-03-30T01:00:00Z"), DateTimeOffset.Parse("2025-03-31T00:30:00Z")],
            preview.GetProperty("nextRuns").EnumerateArray().Select(run => run.GetDateTimeOffset()));
    }

    [Fact]
    public async Task Cron_next_without_after_starts_from_now()
    {
        using var worker = Worker();
        var before = await Sql.ScalarAsync<DateTime>(ConnectionString, "SELECT now()");
        var preview = await JsonAsync(await worker.GetAsync("/cron/next?cron=*%20*%20*%20*%20*"), HttpStatusCode.OK);
        var next = Assert.Single(preview.GetProperty("nextRuns").EnumerateArray()).GetDateTimeOffset().UtcDateTime;
        Assert.InRange(next, before, before.AddMinutes(2));
        Assert.Equal(0, next.Second);
    }

    [Theory]
    [InlineData("/cron/next?cron=61%20*%20*%20*%20*", "PQ004")]
    [InlineData("/cron/next?cron=*%20*%20*%20*", "PQ004")]
    [InlineData("/cron/next?cron=0%202%20*%20*%20*&timeZone=Nowhere/Else", "PQ004")]
    [InlineData("/cron/next", null)]
    [InlineData("/cron/next?cron=*%20*%20*%20*%20*&count=0", null)]
    [InlineData("/cron/next?cron=*%20*%20*%20*%20*&count=21", null)]
    [InlineData("/cron/next?cron=*%20*%20*%20*%20*&after=yesterday", null)]
    public async Task Cron_next_rejects_bad_input_with_400(string path, string? sqlState)
    {
        using var worker = Worker();
        await RejectedAsync(() => worker.GetAsync(path), HttpStatusCode.BadRequest, sqlState);
    }

    [Fact]
    public async Task The_schedule_endpoints_log_what_they_changed()
    {
        using var admin = Admin();
        await JsonAsync(await admin.PutAsJsonAsync("/schedules/logged", new { batchId = "A", every = "00:00:05" }), HttpStatusCode.OK);
        using (var dropped = await admin.DeleteAsync("/schedules/logged"))
        {
            Assert.Equal(HttpStatusCode.NoContent, dropped.StatusCode);
        }

        Assert.Contains(Fixture.Api.Logs, log => log.EventId == 6070 && log.Message.Contains("logged", StringComparison.Ordinal));
        Assert.Contains(Fixture.Api.Logs, log => log.EventId == 6071 && log.Message.Contains("logged", StringComparison.Ordinal));
    }

    // Arranged on the table, as tests may: moves an interval schedule one interval into the past (anchor and next run
    // alike, so its slots stay on their grid), which makes it due now without waiting.
    private Task MakeDueAsync(string scheduleName) => Sql.ExecuteAsync(ConnectionString,
        "UPDATE pgqueue.schedules SET anchor = anchor - every, next_run = next_run - every WHERE schedule_name = $1", scheduleName);

    private async Task<(DateTimeOffset NextRun, DateTimeOffset Anchor, string Payload)> StoredAsync(string scheduleName)
    {
        var row = await Sql.ScalarAsync<string>(ConnectionString,
            "SELECT json_build_object('nextRun', next_run, 'anchor', anchor, 'payload', payload::text)::text " +
            "FROM pgqueue.schedules WHERE schedule_name = $1", scheduleName);
        var json = JsonDocument.Parse(row).RootElement;
        return (json.GetProperty("nextRun").GetDateTimeOffset(), json.GetProperty("anchor").GetDateTimeOffset(),
            json.GetProperty("payload").GetString()!);
    }
}
