namespace PgQueue.Cli;

/// <summary>The process exit codes every verb uses.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The work failed: unreachable server, a failed script, …</summary>
    public const int Failure = 1;

    /// <summary>
    /// The command line or its configuration is wrong: unknown option, missing or malformed connection string, or an
    /// argument the database refuses (<c>PQ002</c>, <c>PQ004</c>: a bad cron, zone, interval or name; nothing written).
    /// </summary>
    public const int Usage = 2;

    /// <summary>What the verb names does not exist, e.g. <c>schedule drop</c> of an unknown schedule.</summary>
    public const int NotFound = 3;

    /// <summary>Ctrl+C or SIGTERM, as shells report a process ended by SIGINT.</summary>
    public const int Cancelled = 130;
}
