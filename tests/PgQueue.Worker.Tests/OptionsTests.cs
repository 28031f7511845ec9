using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PgQueue.Tests.Infrastructure;
using PgQueue.Worker.Tests.Support;
using Xunit;

namespace PgQueue.Worker.Tests;

/// <summary>The <c>PgQueue:Worker</c> section binds, and a bad value stops the host at start, naming the setting.</summary>
public sealed class OptionsTests(DatabaseFixture database) : WorkerHostTest(database)
{
    [Fact]
    public void Settings_bind_from_the_PgQueue_Worker_section_and_set_the_shutdown_timeout()
    {
        var host = BuildHost(_ => { }, new Dictionary<string, string?>
        {
            ["PgQueue:Worker:Concurrency"] = "7",
            ["PgQueue:Worker:Lease"] = "00:02:00",
            ["PgQueue:Worker:ShutdownGracePeriod"] = "00:00:42",
            ["PgQueue:Worker:ListenConnectionString"] = "Host=elsewhere",
            ["PgQueue:Worker:ReapEvery"] = "00:00:10",
        });

        var options = host.Services.GetRequiredService<IOptions<PgQueueWorkerHostOptions>>().Value;
        Assert.Equal(7, options.Concurrency);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Lease);
        Assert.Equal("test-host", options.WorkerIdPrefix);
        Assert.Equal("Host=elsewhere", options.ListenConnectionString);
        Assert.Equal(TimeSpan.FromSeconds(10), options.ReapEvery);
        Assert.Equal(TimeSpan.FromSeconds(42), host.Services.GetRequiredService<IOptions<Microsoft.Extensions.Hosting.HostOptions>>().Value.ShutdownTimeout);
    }

    [Theory]
    [InlineData("Concurrency", "0")]
    [InlineData("IdlePollInterval", "00:00:00")]
    [InlineData("Lease", "-00:00:01")]
    [InlineData("MaxTasksPerClaim", "0")]
    [InlineData("SchedulePollInterval", "00:00:00")]
    public async Task An_invalid_setting_stops_the_host_at_start_naming_it(string setting, string value)
    {
        // Building the host already reads the options (its shutdown timeout comes from them), so it fails there.
        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => BuildHost(_ => { }, new Dictionary<string, string?> { [$"PgQueue:Worker:{setting}"] = value }).StartAsync());
        Assert.Contains($"PgQueue:Worker:{setting}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Worker_ids_carry_the_prefix_and_the_loop_number()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var letGo = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var host = BuildHost(registry => registry.Register<JsonElement>("test.hold", async (_, _) =>
        {
            started.TrySetResult();
            await letGo.Task;
        }));
        await StartIdleAsync(host);
        await Client.EnqueueAsync("owned", "{}", new EnqueueOptions { TaskType = "test.hold" });
        await started.Task.WaitAsync(Patience);

        var owner = await Sql.ScalarAsync<string>(Database.ConnectionString, "SELECT owner FROM pgqueue.batch_status WHERE batch_id = 'owned'");
        letGo.SetResult();
        Assert.Matches("^test-host/[12]$", owner);
    }
}
