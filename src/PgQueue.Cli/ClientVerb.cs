using System.CommandLine;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace PgQueue.Cli;

/// <summary>
/// Runs a verb that makes a few client calls: one client per run, logs on standard error, and database refusals and
/// failures turned into one readable line and an exit code (<see cref="ExitCodes"/>).
/// </summary>
internal static class ClientVerb
{
    public static async Task<int> RunAsync(ParseResult parse, Option<string?> connection, Option<bool> verbose,
        Func<PgQueueClient, TextWriter, CancellationToken, Task<int>> work, CancellationToken cancellationToken)
    {
        var error = parse.InvocationConfiguration.Error;
        var connectionString = ConnectionOption.Resolve(parse, connection);
        if (connectionString is null)
        {
            await error.WriteLineAsync($"error: {ConnectionOption.Missing}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        int exitCode;
        string? message;
        var loggerFactory = ConsoleLogging.Create(parse.GetValue(verbose), LogLevel.Warning);
        try
        {
            await using var client = PgQueueClient.Create(connectionString, loggerFactory: loggerFactory);
            return await work(client, parse.InvocationConfiguration.Output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidQueueArgumentException or InvalidBatchIdException)
        {
            (exitCode, message) = (ExitCodes.Usage, $"{exception.Message} (nothing was written)");
        }
        catch (ArgumentException exception)
        {
            (exitCode, message) = (ExitCodes.Usage, $"invalid connection string: {exception.Message}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            (exitCode, message) = (ExitCodes.Cancelled, "cancelled");
        }
        catch (NpgsqlException exception)
        {
            (exitCode, message) = (ExitCodes.Failure, exception.Message);
        }
        finally
        {
            // Flush the log first so the error line comes last.
            loggerFactory.Dispose();
        }

        await error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
        return exitCode;
    }
}
