using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace PgQueue.Cli;

/// <summary>One-line console logs on stderr, so that stdout carries only a verb's result.</summary>
internal static class ConsoleLogging
{
    public static ILoggerFactory Create(bool verbose, LogLevel quietLevel = LogLevel.Information) => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(verbose ? LogLevel.Debug : quietLevel)
        .AddFilter("Npgsql", verbose ? LogLevel.Information : LogLevel.Warning)
        .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.IncludeScopes = false;
        }));
}
