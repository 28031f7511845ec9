using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using PgQueue.Migrations;

namespace PgQueue.Cli;

/// <summary>
/// <c>pgqueue migrate</c>: applies new migrations and re-applies every function and view, in one transaction, under a
/// lock that makes concurrent migrators take turns.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var connection = ConnectionOption.Create();
        var verbose = VerboseOption.Create();
        var command = new Command(
            "migrate",
            "Bring the pgqueue schema up to date: apply new migrations, re-apply every function and view (one transaction).")
        {
            connection,
            verbose,
        };
        command.SetAction((parseResult, cancellationToken) =>
            RunAsync(parseResult, ConnectionOption.Resolve(parseResult, connection), parseResult.GetValue(verbose), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parseResult, string? connectionString, bool verbose, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        if (connectionString is null)
        {
            await error.WriteLineAsync($"error: {ConnectionOption.Missing}");
            return ExitCodes.Usage;
        }

        MigrationResult result;
        var loggerFactory = ConsoleLogging.Create(verbose);
        try
        {
            result = await PgQueueMigrator.MigrateAsync(connectionString, loggerFactory.CreateLogger("PgQueue.Migrations"), cancellationToken);
        }
        catch (Exception e) when (ExitCodeFor(e, cancellationToken) is { } exitCode)
        {
            // Flush the log first so the error line comes last.
            loggerFactory.Dispose();
            await error.WriteLineAsync($"error: {(exitCode == ExitCodes.Cancelled ? "cancelled; nothing was committed" : e.Message)}");
            return exitCode;
        }
        finally
        {
            loggerFactory.Dispose();
        }

        await WriteSummaryAsync(output, result);
        return ExitCodes.Success;
    }

    private static int? ExitCodeFor(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        InvalidConnectionStringException => ExitCodes.Usage,
        DatabaseConnectionException or MigrationException => ExitCodes.Failure,
        OperationCanceledException when cancellationToken.IsCancellationRequested => ExitCodes.Cancelled,
        _ => null,
    };

    private static async Task WriteSummaryAsync(TextWriter output, MigrationResult result)
    {
        if (result.AppliedMigrations.Count == 0)
        {
            await output.WriteLineAsync("No new migrations.");
        }
        else
        {
            await output.WriteLineAsync(Plural(result.AppliedMigrations.Count, "Applied {0} migration:", "Applied {0} migrations:"));
            foreach (var migration in result.AppliedMigrations)
            {
                await output.WriteLineAsync($"  {migration}");
            }
        }

        await output.WriteLineAsync(string.Format(
            CultureInfo.InvariantCulture,
            "Re-applied {0} function and view scripts in {1:0.0} s.",
            result.ReappliedScripts.Count,
            result.Duration.TotalSeconds));
    }

    private static string Plural(int count, string one, string many) =>
        string.Format(CultureInfo.InvariantCulture, count == 1 ? one : many, count);
}
