using System.CommandLine;
using System.Globalization;

namespace PgQueue.Cli;

/// <summary>
/// <c>pgqueue batch priority BATCH N</c>: sets a batch's priority (<c>set_batch_priority</c>); claims take strictly
/// higher priorities first. Exit codes as <see cref="ClientVerb"/> maps them: 2 for an id the database refuses.
/// </summary>
internal static class BatchCommand
{
    public static Command Create()
    {
        var connection = ConnectionOption.Create();
        var verbose = VerboseOption.Create();
        var batch = new Argument<string>("batch") { Description = "The batch id (created if unknown)" };
        var priority = new Argument<int>("priority") { Description = "Higher is claimed first; every batch starts at 0 (for a negative value write -- before it)" };
        var set = new Command("priority", "Set a batch's priority: claims take higher priorities first, FIFO inside a batch stays")
        {
            batch, priority, connection, verbose,
        };
        set.SetAction((parse, cancellationToken) => ClientVerb.RunAsync(parse, connection, verbose, async (client, output, ct) =>
        {
            var batchId = parse.GetValue(batch)!;
            var level = parse.GetValue(priority);
            await client.SetBatchPriorityAsync(batchId, level, ct).ConfigureAwait(false);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Batch '{batchId}' has priority {level}.")).ConfigureAwait(false);
            return ExitCodes.Success;
        }, cancellationToken));
        return new Command("batch", "Batch settings") { set };
    }
}
