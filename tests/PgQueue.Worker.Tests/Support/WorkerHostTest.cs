using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PgQueue.Tests.Infrastructure;

namespace PgQueue.Worker.Tests.Support;

/// <summary>
/// Base of the worker host tests: an empty queue, and hosts built the way <c>Program.cs</c> builds one
/// (<see cref="PgQueueWorkerHostServiceCollectionExtensions.AddPgQueueWorkerHost"/>), in-process, on the test database.
/// Hosts are stopped and disposed after the test.
/// </summary>
public abstract class WorkerHostTest(DatabaseFixture database) : QueueTest(database)
{
    /// <summary>Generous bounds for liveness, never timing measurements: the machine is shared and busy.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly List<IHost> _hosts = [];

    /// <summary>
    /// Builds a host with the test handlers and <c>PgQueue:Worker</c> settings (demo handlers off, 2 loops, a 30 s
    /// idle poll unless overridden), not started.
    /// </summary>
    protected IHost BuildHost(Action<TaskHandlerRegistry> handlers, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["PgQueue:ConnectionString"] = Database.ConnectionString,
            ["PgQueue:Worker:Concurrency"] = "2",
            ["PgQueue:Worker:IdlePollInterval"] = "00:00:30",
            ["PgQueue:Worker:DemoHandlers"] = "false",
            ["PgQueue:Worker:WorkerIdPrefix"] = "test-host",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddPgQueueWorkerHost();
        builder.Services.AddTaskHandlers(handlers);
        var host = builder.Build();
        _hosts.Add(host);
        return host;
    }

    /// <summary>The host's status.</summary>
    protected static PgQueueWorkerHostStatus StatusOf(IHost host) => host.Services.GetRequiredService<PgQueueWorkerHostStatus>();

    /// <summary>Starts the host and waits until it listens (if it does) and every loop has gone idle once.</summary>
    protected static async Task StartIdleAsync(IHost host, int loops = 2, bool listening = true)
    {
        await host.StartAsync();
        var status = StatusOf(host);
        await WaitUntilAsync(() => Task.FromResult((!listening || status.IsListening) && status.IdleLoops == loops),
            Patience, $"the host listens and its {loops} loops are idle");
    }

    /// <summary>Whether any batch has a live lease, read from <c>batch_status</c>.</summary>
    protected Task<long> LiveLeasesAsync() =>
        Sql.ScalarAsync<long>(Database.ConnectionString, "SELECT count(*) FROM pgqueue.batch_status WHERE owner IS NOT NULL");

    /// <summary>The attempts of every pending task, in id order.</summary>
    protected async Task<IReadOnlyList<int>> PendingAttemptsAsync()
    {
        var text = await Sql.ScalarAsync<string>(Database.ConnectionString,
            "SELECT coalesce(string_agg(attempts::text, ',' ORDER BY id), '') FROM pgqueue.tasks");
        return text.Length == 0 ? [] : [.. text.Split(',').Select(int.Parse)];
    }

    /// <summary>How many tasks are dead.</summary>
    protected Task<long> DeadTasksAsync() => Sql.ScalarAsync<long>(Database.ConnectionString, "SELECT count(*) FROM pgqueue.dead_tasks");

    public override async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            using var timeout = new CancellationTokenSource(Patience);
            await host.StopAsync(timeout.Token);
            host.Dispose();
        }

        await base.DisposeAsync();
    }
}
