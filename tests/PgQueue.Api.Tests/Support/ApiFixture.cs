using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Api.Tests.Support;

/// <summary>
/// One migrated test database (the shared <see cref="DatabaseFixture"/>) and one API over it with a key per role, for
/// the whole run. Tests that need other settings build their own <see cref="ApiFactory"/> with <see cref="Settings"/>.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string ProducerKey = "producer-key-0123456789";
    public const string WorkerKey = "worker-key-0123456789";
    public const string AdminKey = "admin-key-0123456789";

    public DatabaseFixture Database { get; } = new();

    public ApiFactory Api { get; private set; } = null!;

    /// <summary>The settings of the shared API, with <paramref name="overrides"/> applied (a null value removes a key).</summary>
    public Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? overrides = null, bool withKeys = true)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["PgQueue:ConnectionString"] = Database.ConnectionString,
        };
        if (withKeys)
        {
            settings[$"PgQueue:ApiKeys:{ProducerKey}"] = "producer";
            settings[$"PgQueue:ApiKeys:{WorkerKey}"] = "worker";
            settings[$"PgQueue:ApiKeys:{AdminKey}"] = "admin";
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public async Task InitializeAsync()
    {
        await Database.InitializeAsync();
        Api = new ApiFactory(Settings());
    }

    public async Task DisposeAsync()
    {
        await Api.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
