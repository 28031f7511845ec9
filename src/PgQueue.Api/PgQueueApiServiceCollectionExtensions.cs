using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PgQueue.Api.Auth;
using PgQueue.Api.Endpoints;
using PgQueue.Api.Errors;
using PgQueue.Api.Handlers;
using PgQueue.Hosting;

namespace PgQueue.Api;

/// <summary>Wires the HTTP API: services (<see cref="AddPgQueueApi"/>) and pipeline (<see cref="UsePgQueueApi"/>).</summary>
public static class PgQueueApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers the API's services. Configuration is read when the app starts, from <c>PgQueue:ConnectionString</c>
    /// (or <c>PGQUEUE_CONNECTION</c>), <c>PgQueue:ApiKeys</c> and <c>PgQueue:Api</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddPgQueueApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PgQueueApiOptions>().BindConfiguration(PgQueueApiOptions.Section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PgQueueApiOptions>, PgQueueApiOptionsValidator>());
        services.TryAddSingleton(provider => PgQueueConnection.FromConfiguration(provider.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton(provider => PgQueueClient.Create(
            provider.GetRequiredService<PgQueueConnection>().ConnectionString, null, provider.GetService<ILoggerFactory>()));
        services.TryAddSingleton(provider => ApiKeyStore.FromConfiguration(provider.GetRequiredService<IConfiguration>()));

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

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            // Never open by default: an endpoint that names no policy still needs a key.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(ApiRole.Producer, policy => policy.RequireRole(ApiRole.Producer))
            .AddPolicy(ApiRole.Worker, policy => policy.RequireRole(ApiRole.Worker))
            .AddPolicy(ApiRole.Admin, policy => policy.RequireRole(ApiRole.Admin));

        // Nothing here protects data; without this, startup warns that keys are stored unencrypted.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddProblemDetails();
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Unreadable parameters and bodies throw BadHttpRequestException, which ApiExceptionHandler turns into 400s.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.Configure<JsonOptions>(options => ConfigureJson(options.SerializerOptions));
        services.AddOpenApi(options => options.AddDocumentTransformer<ApiKeySecuritySchemeTransformer>());
        return services;
    }

    /// <summary>
    /// Adds a <see cref="ITaskHandlerModule"/> whose handlers <c>POST /process-task</c> runs tasks with.
    /// </summary>
    /// <typeparam name="TModule">The module type; created by the container, so it may take services.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddTaskHandlerModule<TModule>(this IServiceCollection services)
        where TModule : class, ITaskHandlerModule
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITaskHandlerModule, TModule>());
        return services;
    }

    /// <summary>
    /// Checks the configuration (a bad one stops the app here, not at its first request), logs the API keys per role,
    /// or warns that there are none, and maps the middleware and every endpoint.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns><paramref name="app"/>, for chaining.</returns>
    /// <exception cref="InvalidOperationException">The connection string or the API keys are missing or invalid.</exception>
    /// <exception cref="OptionsValidationException">The <c>PgQueue:Api</c> options are invalid.</exception>
    public static WebApplication UsePgQueueApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        CheckConfiguration(app.Services);

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<RequestBodyLimitMiddleware>();

        app.MapHealthEndpoint();
        app.MapProcessTaskEndpoint();
        app.MapTaskEndpoints();
        app.MapBatchEndpoints();
        app.MapDeadTaskEndpoints();
        app.MapScheduleEndpoints();
        app.MapOpenApi().RequireAuthorization();
        return app;
    }

    private static void CheckConfiguration(IServiceProvider services)
    {
        // Reading the options validates them: an invalid value throws here, naming the setting.
        _ = services.GetRequiredService<IOptions<PgQueueApiOptions>>().Value;
        services.GetRequiredService<PgQueueConnection>();
        var keys = services.GetRequiredService<ApiKeyStore>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiKeyStore));
        if (keys.IsEmpty)
        {
            Log.NoApiKeys(logger, ApiKeyStore.Section);
        }
        else
        {
            Log.ApiKeysConfigured(logger, keys.KeysPerRole.GetValueOrDefault(ApiRole.Producer),
                keys.KeysPerRole.GetValueOrDefault(ApiRole.Worker), keys.KeysPerRole.GetValueOrDefault(ApiRole.Admin));
        }
    }

    private sealed class PgQueueApiOptionsValidator : IValidateOptions<PgQueueApiOptions>
    {
        public ValidateOptionsResult Validate(string? name, PgQueueApiOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }

    private static void ConfigureJson(JsonSerializerOptions options)
    {
        // A misspelt or missing field is a 400, never silently a default: {"batchID": …} does not enqueue into no batch.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
    }
}
