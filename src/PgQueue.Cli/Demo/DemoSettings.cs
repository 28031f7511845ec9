namespace PgQueue.Cli.Demo;

/// <summary>What <c>pgqueue demo</c> runs.</summary>
internal sealed record DemoSettings(
    string? Connection,
    int Tasks,
    IReadOnlyList<string> Batches,
    int Workers,
    TaskTimeRange TaskTime,
    TimeSpan Lease,
    int FlakyEvery,
    bool Verbose);
