using System.Net;
using System.Net.Sockets;
using Npgsql;
using PgQueue.Migrations;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Migrations;

public sealed class MigratorTests(DatabaseFixture database) : DatabaseTest(database)
{
    private static IReadOnlyList<string> MigrationScripts => ScriptNames("migrations");

    [Fact]
    public async Task MigrateAsync_on_a_fresh_database_applies_and_journals_each_migration_exactly_once()
    {
        var connectionString = await Database.CreateDatabaseAsync("pgqueue_migrate");

        var result = await PgQueueMigrator.MigrateAsync(connectionString);

        Assert.Equal(MigrationScripts, result.AppliedMigrations);
        Assert.Equal(MigrationScripts, await JournalAsync(connectionString));
    }

    [Fact]
    public async Task MigrateAsync_a_second_time_applies_no_migration_and_reapplies_every_function_then_every_view()
    {
        var connectionString = await Database.CreateDatabaseAsync("pgqueue_migrate");
        await PgQueueMigrator.MigrateAsync(connectionString);

        var second = await PgQueueMigrator.MigrateAsync(connectionString);

        Assert.Empty(second.AppliedMigrations);
        Assert.Equal([.. ScriptNames("functions"), .. ScriptNames("views")], second.ReappliedScripts);
        Assert.Equal(MigrationScripts, await JournalAsync(connectionString));
    }

    [Fact]
    public async Task Four_migrators_started_at_once_all_succeed_and_the_journal_has_each_migration_once()
    {
        var connectionString = await Database.CreateDatabaseAsync("pgqueue_migrate");

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PgQueueMigrator.MigrateAsync(connectionString))));

        Assert.Equal(MigrationScripts, results.SelectMany(r => r.AppliedMigrations).Order(StringComparer.Ordinal));
        Assert.Equal(MigrationScripts, await JournalAsync(connectionString));
        await using var client = PgQueueClient.Create(connectionString);
        var id = await client.EnqueueAsync("after-migration", "{}");
        await using var lease = await client.ClaimBatchAsync("w1");
        Assert.Equal("after-migration", lease?.BatchId);
        Assert.True(id > 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Host=localhost;Port=not-a-port;Password=hunter2")]
    [InlineData("Host=localhost;Port=70000;Password=hunter2")]
    [InlineData("Hots=localhost;Password=hunter2")]
    [InlineData("Port=5432;Username=postgres;Password=hunter2")]
    [InlineData("this is not a connection string hunter2")]
    public async Task MigrateAsync_with_a_bad_connection_string_throws_InvalidConnectionStringException_without_echoing_it(string connectionString)
    {
        var error = await Assert.ThrowsAsync<InvalidConnectionStringException>(() => PgQueueMigrator.MigrateAsync(connectionString));

        Assert.StartsWith("invalid connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MigrateAsync_against_a_port_where_nothing_listens_throws_DatabaseConnectionException_naming_host_and_port()
    {
        var port = FreeLoopbackPort();

        var error = await Assert.ThrowsAsync<DatabaseConnectionException>(
            () => PgQueueMigrator.MigrateAsync($"Host=127.0.0.1;Port={port};Username=postgres;Timeout=5"));

        Assert.Equal(("127.0.0.1", port), (error.Host, error.Port));
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task MigrateAsync_for_a_database_that_does_not_exist_throws_DatabaseConnectionException_naming_it()
    {
        var missing = new NpgsqlConnectionStringBuilder(Database.ServerConnectionString) { Database = "pgqueue_no_such_database" };

        var error = await Assert.ThrowsAsync<DatabaseConnectionException>(() => PgQueueMigrator.MigrateAsync(missing.ConnectionString));

        Assert.Contains("pgqueue_no_such_database", error.Message, StringComparison.Ordinal);
        Assert.Equal(PostgresErrorCodes.InvalidCatalogName, Assert.IsType<PostgresException>(error.InnerException).SqlState);
    }

    private static IReadOnlyList<string> ScriptNames(string folder) =>
        [.. Directory.GetFiles(RepositoryRoot.Combine("database", folder), "*.sql")
            .Select(path => $"{folder}/{Path.GetFileName(path)}")
            .Order(StringComparer.Ordinal)];

    private static async Task<IReadOnlyList<string>> JournalAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT scriptname FROM pgqueue.schema_versions ORDER BY scriptname", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
