using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PgQueue.Tests.Infrastructure;

/// <summary>One log event PgQueue wrote: its event id, level, named values and exception.</summary>
public sealed record LogEvent(int EventId, LogLevel Level, IReadOnlyDictionary<string, object?> Values, Exception? Exception, string Message)
{
    /// <summary>A named value of the message template, e.g. <c>LeaseToken</c>.</summary>
    public T Get<T>(string name) => (T)Values[name]!;
}

/// <summary>
/// A logger factory that keeps every PgQueue log event in memory, thread-safe, so tests can count what workers reported
/// (claims, lost leases, transient errors) without parsing text.
/// </summary>
public sealed class LogRecorder : ILoggerFactory
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    /// <summary>Every event so far, in the order they were written.</summary>
    public IReadOnlyList<LogEvent> Events => [.. _events];

    /// <summary>The events with one of <paramref name="eventIds"/>.</summary>
    public IReadOnlyList<LogEvent> Where(params int[] eventIds) => [.. _events.Where(e => eventIds.Contains(e.EventId))];

    /// <summary>How many events of each id, for failure messages.</summary>
    public string Summary() => string.Join(", ", _events.GroupBy(e => e.EventId).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));

    public ILogger CreateLogger(string categoryName) => new Recorder(_events);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Recorder(ConcurrentQueue<LogEvent> events) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value)
                : [];
            events.Enqueue(new LogEvent(eventId.Id, logLevel, values, exception, formatter(state, exception)));
        }
    }
}
