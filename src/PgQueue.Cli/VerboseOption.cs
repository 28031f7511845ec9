using System.CommandLine;

namespace PgQueue.Cli;

/// <summary>The <c>--verbose</c> option every verb shares: log at Debug instead of Information.</summary>
internal static class VerboseOption
{
    public static Option<bool> Create() => new("--verbose", "-v")
    {
        Description = "Log details too (Debug level), including DbUp's own messages",
    };
}
