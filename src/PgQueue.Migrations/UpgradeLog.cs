using System.Globalization;
using DbUp.Engine.Output;
using Microsoft.Extensions.Logging;

namespace PgQueue.Migrations;

/// <summary>
/// Routes DbUp's own narration to an <see cref="ILogger"/> under one message template. DbUp's composite format strings
/// (<c>{0}</c>) are formatted here, so the log never carries positional placeholders.
/// </summary>
/// <remarks>
/// Everything DbUp says arrives at Debug (Trace stays Trace): its progress duplicates the migrator's own events, and its
/// errors are multi-line exception dumps that <see cref="MigrationException"/> reports in one line.
/// </remarks>
internal sealed class UpgradeLog(ILogger logger) : IUpgradeLog
{
    public void LogTrace(string format, params object[] args) => Write(LogLevel.Trace, null, format, args);

    public void LogDebug(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);

    public void LogInformation(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);

    public void LogWarning(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);

    public void LogError(string format, params object[] args) => Write(LogLevel.Debug, null, format, args);

    public void LogError(Exception ex, string format, params object[] args) => Write(LogLevel.Debug, ex, format, args);

    private void Write(LogLevel level, Exception? exception, string format, object[]? args)
    {
        if (logger.IsEnabled(level))
        {
            Log.DbUpMessage(logger, level, exception, Format(format, args));
        }
    }

    private static string Format(string format, object[]? args)
    {
        // DbUp also passes finished text (an exception's ToString()) as the format; its braces are not placeholders.
        if (args is null || args.Length == 0)
        {
            return format;
        }

        try
        {
            return string.Format(CultureInfo.InvariantCulture, format, args);
        }
        catch (FormatException)
        {
            return $"{format} {string.Join(' ', args)}";
        }
    }
}
