using Npgsql;

namespace PgQueue.Tests.Infrastructure;

/// <summary>
/// Base for tests that go through <see cref="PgQueueClient"/>: an empty queue, a client on its own data source, and
/// helpers to make more data sources and clients (disposed after the test).
/// </summary>
public abstract class QueueTest(DatabaseFixture database) : DatabaseTest(database)
{
    private readonly List<NpgsqlDataSource> _dataSources = [];

    /// <summary>A client over a data source named <c>pgqueue-test</c>.</summary>
    protected PgQueueClient Client { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Client = CreateClient("pgqueue-test");
    }

    public override async Task DisposeAsync()
    {
        foreach (var dataSource in _dataSources)
        {
            await dataSource.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>
    /// A data source on the test database whose connections show <paramref name="applicationName"/> in
    /// <c>pg_stat_activity</c>, so a test can find (and terminate) exactly its backends.
    /// </summary>
    protected NpgsqlDataSource CreateDataSource(string applicationName, int maxPoolSize = 20, bool pooling = true)
    {
        var builder = new NpgsqlConnectionStringBuilder(Database.ConnectionString)
        {
            ApplicationName = applicationName,
            MaxPoolSize = maxPoolSize,
            Pooling = pooling,
        };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        _dataSources.Add(dataSource);
        return dataSource;
    }

    /// <summary>A client over a new data source (see <see cref="CreateDataSource"/>).</summary>
    protected PgQueueClient CreateClient(
        string applicationName, int maxPoolSize = 20, PgQueueClientOptions? options = null, LogRecorder? log = null) =>
        new(CreateDataSource(applicationName, maxPoolSize), options, log);

    /// <summary>Opens a connection of <paramref name="client"/> (default <see cref="Client"/>) and begins a task transaction.</summary>
    protected Task<TaskTransaction> BeginTaskAsync(PgQueueClient? client = null) =>
        TaskTransaction.BeginAsync((client ?? Client).DataSource);

    /// <summary>Waits until the database's clock has passed <paramref name="expiresAt"/> (a lease's expiry).</summary>
    protected Task WaitUntilExpiredAsync(DateTimeOffset expiresAt) =>
        WaitUntilAsync(
            () => Sql.ScalarAsync<bool>(Database.ConnectionString, "SELECT clock_timestamp() > $1", expiresAt.ToUniversalTime()),
            TimeSpan.FromSeconds(30), $"the lease expiring at {expiresAt:O} has expired");

    /// <summary>
    /// Terminates a backend the way a crash would (<c>pg_terminate_backend</c>) and waits until it is gone, so its
    /// transaction is rolled back and its row locks are free. Returns whether it was terminated.
    /// </summary>
    protected Task<bool> CrashBackendAsync(int processId) =>
        Sql.ScalarAsync<bool>(Database.ConnectionString, "SELECT pg_terminate_backend($1, 10000)", processId);

    /// <summary>Waits until no task is pending and no lease is live, or fails the test after <paramref name="timeout"/>.</summary>
    protected Task WaitUntilDrainedAsync(TimeSpan timeout) =>
        WaitUntilAsync(
            () => Sql.ScalarAsync<bool>(Database.ConnectionString, "SELECT pending = 0 AND leased_batches = 0 FROM pgqueue.queue_stats"),
            timeout, "the queue has no pending task and no live lease");

    /// <summary>Row counts of the queue's tables.</summary>
    protected Task<QueueCounts> CountsAsync() => Sql.CountsAsync(Database.ConnectionString);

    /// <summary>Sets the retry backoff small, so failed tasks become due again at once.</summary>
    protected Task UseShortBackoffAsync() => Sql.ExecuteAsync(Database.ConnectionString,
        "UPDATE pgqueue.settings SET backoff_base = '1 millisecond', backoff_cap = '5 milliseconds'");

    /// <summary>Every row of <c>public.test_log</c>, in <c>seq</c> order.</summary>
    protected Task<IReadOnlyList<TestLogRow>> ReadTestLogAsync() => TestLog.ReadAsync(Database.ConnectionString);

    /// <summary>Waits until <paramref name="condition"/> holds, or fails the test after <paramref name="timeout"/>.</summary>
    protected static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds} s waiting until {what}.");
            }

            await Task.Delay(20, CancellationToken.None);
        }
    }
}
