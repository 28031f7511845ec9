using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PgQueue.Api;

namespace PgQueue.Api.Tests.Support;

/// <summary>
/// Hosts the real API in memory over the test database. Settings are configuration keys (as in appsettings.json or
/// environment variables); <see cref="Logs"/> holds what the app logged.
/// </summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    : WebApplicationFactory<Program>
{
    public ConcurrentQueue<(LogLevel Level, int EventId, string Message)> Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.AddProvider(new CapturingLoggerProvider(Logs)));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(new TestDatabase(settings.GetValueOrDefault("PgQueue:ConnectionString") ?? string.Empty));
            services.AddTaskHandlerModule<TestHandlers>();
            configureServices?.Invoke(services);
        });
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<(LogLevel, int, string)> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(logs);

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(ConcurrentQueue<(LogLevel, int, string)> logs) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                logs.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
            }
        }
    }
}
