using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace PgQueue.Lambda;

/// <summary>
/// Writes each log entry as one JSON line: time, level, category, event id and name, the rendered message, every
/// message-template value as its own camelCase field (<c>{BatchId}</c> becomes <c>"batchId"</c>), and the exception.
/// CloudWatch Logs Insights discovers those fields by itself.
/// </summary>
/// <remarks>Synchronous, see <see cref="JsonLineSink"/>: nothing is queued when Lambda freezes the process.</remarks>
internal sealed class JsonLinesLoggerProvider(JsonLineSink sink, TimeProvider timeProvider) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new JsonLinesLogger(categoryName, sink, timeProvider);

    public void Dispose()
    {
    }

    private sealed class JsonLinesLogger(string category, JsonLineSink sink, TimeProvider timeProvider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception);
            var time = timeProvider.GetUtcNow();
            sink.WriteLine(writer =>
            {
                writer.WriteStartObject();
                writer.WriteString("time", time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                writer.WriteString("level", logLevel.ToString());
                writer.WriteString("category", category);
                if (eventId.Id != 0)
                {
                    writer.WriteNumber("eventId", eventId.Id);
                }

                if (!string.IsNullOrEmpty(eventId.Name))
                {
                    writer.WriteString("event", eventId.Name);
                }

                writer.WriteString("message", message);
                if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
                {
                    foreach (var (key, value) in values)
                    {
                        if (key == "{OriginalFormat}" || key.Length == 0)
                        {
                            continue;
                        }

                        writer.WritePropertyName(CamelCase(key));
                        WriteValue(writer, value);
                    }
                }

                if (exception is not null)
                {
                    writer.WriteString("errorType", exception.GetType().FullName);
                    writer.WriteString("error", exception.Message);
                    writer.WriteString("exception", exception.ToString());
                }

                writer.WriteEndObject();
            });
        }

        private static string CamelCase(string name) =>
            char.IsUpper(name[0]) ? string.Create(name.Length, name, static (span, n) =>
            {
                n.AsSpan().CopyTo(span);
                span[0] = char.ToLowerInvariant(span[0]);
            }) : name;

        private static void WriteValue(Utf8JsonWriter writer, object? value)
        {
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case string text:
                    writer.WriteStringValue(text);
                    break;
                case bool flag:
                    writer.WriteBooleanValue(flag);
                    break;
                case int or long or short or byte or uint or ulong or ushort or sbyte:
                    writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case double number when double.IsFinite(number):
                    writer.WriteNumberValue(Math.Round(number, 3));
                    break;
                case float or decimal:
                    writer.WriteNumberValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                case DateTimeOffset moment:
                    writer.WriteStringValue(moment.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
                    break;
                case DateTime moment:
                    writer.WriteStringValue(moment.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
                    break;
                case TimeSpan span:
                    writer.WriteStringValue(span.ToString("c", CultureInfo.InvariantCulture));
                    break;
                case Enum:
                    writer.WriteStringValue(JsonNamingPolicy.CamelCase.ConvertName(value.ToString()!));
                    break;
                case IEnumerable<string> texts:
                    writer.WriteStartArray();
                    foreach (var text in texts)
                    {
                        writer.WriteStringValue(text);
                    }

                    writer.WriteEndArray();
                    break;
                default:
                    writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}
