using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using PgQueue;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PgQueue in a service collection.</summary>
public static class PgQueueServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="PgQueueClient"/> as a singleton, with its own data source and the container's
    /// <see cref="ILoggerFactory"/> if there is one. The container disposes it. A second call adds nothing.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">The PostgreSQL connection string.</param>
    /// <param name="configure">Sets the client's options, or <see langword="null"/> for the defaults.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is null or empty.</exception>
    public static IServiceCollection AddPgQueue(this IServiceCollection services, string connectionString, Action<PgQueueClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        var options = new PgQueueClientOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(provider => PgQueueClient.Create(connectionString, options, provider.GetService<ILoggerFactory>()));
        return services;
    }
}
