using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace PgQueue.Tests.Unit;

public sealed class ServiceRegistrationTests
{
    [Fact]
    public async Task AddPgQueue_registers_one_client_singleton_with_the_configured_options_and_a_second_call_adds_nothing()
    {
        var services = new ServiceCollection()
            .AddPgQueue("Host=127.0.0.1;Port=1", options => options.Retry.MaxRetryAttempts = 7)
            .AddPgQueue("Host=127.0.0.1;Port=2");

        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<PgQueueClient>();

        Assert.Single(services, s => s.ServiceType == typeof(PgQueueClient));
        Assert.Same(client, provider.GetRequiredService<PgQueueClient>());
        Assert.Equal(7, client.Options.Retry.MaxRetryAttempts);
    }

    [Fact]
    public void AddPgQueue_rejects_an_empty_connection_string()
    {
        Assert.ThrowsAny<ArgumentException>(() => new ServiceCollection().AddPgQueue(""));
    }
}
