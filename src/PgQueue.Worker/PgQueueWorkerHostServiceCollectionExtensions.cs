using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PgQueue.Worker.Handlers;
using PgQueue.Hosting;

namespace PgQueue.Worker;

/// <summary>Wires the worker host into a .NET Generic Host.</summary>
public static class PgQueueWorkerHostServiceCollectionExtensions
{
    /// <summary>
    /// Registers the worker host: a hosted service running <c>PgQueue:Worker:Concurrency</c> batch loops and one
    /// <c>LISTEN pgqueue</c> connection, the client on <c>PgQueue:ConnectionString</c> (or <c>PGQUEUE_CONNECTION</c>),
    /// the handler registry built from every <see cref="ITaskHandlerModule"/>, and
    /// <see cref="PgQueueWorkerHostStatus"/>. Sets <c>HostOptions.ShutdownTimeout</c> to
    /// <c>PgQueue:Worker:ShutdownGracePeriod</c>. Invalid options stop the host at start, naming the setting.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddPgQueueWorkerHost(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PgQueueWorkerHostOptions>().BindConfiguration(PgQueueWorkerHostOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PgQueueWorkerHostOptions>, OptionsValidator>());
        services.AddOptions<HostOptions>().Configure<IOptions<PgQueueWorkerHostOptions>>(
            (host, worker) => host.ShutdownTimeout = worker.Value.ShutdownGracePeriod);

        services.TryAddSingleton(provider => PgQueueConnection.FromConfiguration(provider.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton(provider => PgQueueClient.Create(
            provider.GetRequiredService<PgQueueConnection>().ConnectionString, null, provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton<PgQueueWorkerHostStatus>();

        services.AddTaskHandlerModule<DemoSleepHandler>();
        services.TryAddSingleton(provider =>
        {
            var registry = new TaskHandlerRegistry();
            foreach (var module in provider.GetServices<ITaskHandlerModule>())
            {
                module.Register(registry);
            }

            return registry;
        });

        services.AddHostedService<PgQueueWorkerHost>();
        return services;
    }

    /// <summary>Adds a <see cref="ITaskHandlerModule"/> whose handlers the worker host runs tasks with.</summary>
    /// <typeparam name="TModule">The module type; created by the container, so it may take services.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddTaskHandlerModule<TModule>(this IServiceCollection services)
        where TModule : class, ITaskHandlerModule
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandlerModule, TModule>());
        return services;
    }

    /// <summary>
    /// Adds handlers registered by a delegate, e.g.
    /// <c>services.AddTaskHandlers(registry =&gt; registry.Register&lt;Invoice&gt;("invoice.send", SendAsync))</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="register">Registers the handlers, once, when the host starts.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="register"/> is null.</exception>
    public static IServiceCollection AddTaskHandlers(this IServiceCollection services, Action<TaskHandlerRegistry> register)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(register);
        services.AddSingleton<ITaskHandlerModule>(new DelegateModule(register));
        return services;
    }

    private sealed class DelegateModule(Action<TaskHandlerRegistry> register) : ITaskHandlerModule
    {
        public void Register(TaskHandlerRegistry registry) => register(registry);
    }

    private sealed class OptionsValidator : IValidateOptions<PgQueueWorkerHostOptions>
    {
        public ValidateOptionsResult Validate(string? name, PgQueueWorkerHostOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
