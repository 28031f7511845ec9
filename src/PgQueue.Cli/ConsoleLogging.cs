using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace PgQueue.Cli;

/// <summary>One-line console logs on stderr, so that stdout carries only a verb's result.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create(bool verbose) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.IncludeScopes = false;
        }));
}
