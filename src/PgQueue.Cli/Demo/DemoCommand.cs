using System.CommandLine;
using Microsoft.Extensions.Logging;
using Npgsql;
using PgQueue.LocalPostgres;
using PgQueue.Migrations;

namespace PgQueue.Cli.Demo;

/// <summary><c>pgqueue demo</c>: the 30-second tour, on a throwaway PostgreSQL unless a connection is given.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var connection = ConnectionOption.Create();
        connection.Description += "; without either, a throwaway local PostgreSQL";
        var tasks = new Option<int>("--tasks", "-n") { Description = "How many tasks to enqueue, spread round-robin over the batches", DefaultValueFactory = _ => 60 };
        var batches = new Option<string>("--batches") { Description = "Comma-separated batch ids", DefaultValueFactory = _ => "A,B,C" };
        var workers = new Option<int>("--workers", "-w") { Description = "How many competing workers to run", DefaultValueFactory = _ => 8 };
        var taskTime = new Option<string>("--task-time") { Description = "Simulated work per task: a time (250ms, 1.5s) or a range (1s-2s)", DefaultValueFactory = _ => "1s-2s" };
        var lease = new Option<string>("--lease") { Description = "Lease length (at least 10 times the longest task time is wise)", DefaultValueFactory = _ => "30s" };
        var flakyEvery = new Option<int>("--flaky-every") { Description = "Every Nth task fails its first attempt and is retried after backoff (0: none)", DefaultValueFactory = _ => 7 };
        var verbose = VerboseOption.Create();

        var command = new Command("demo", "Enqueue tasks into batches A, B and C, run competing workers, and verify FIFO and exclusive ownership")
        {
            connection, tasks, batches, workers, taskTime, lease, flakyEvery, verbose,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            DemoSettings settings;
            try
            {
                settings = new DemoSettings(
                    ConnectionOption.Resolve(parse, connection),
                    Positive(parse.GetValue(tasks), "--tasks"),
                    ParseBatches(parse.GetValue(batches)!),
                    Positive(parse.GetValue(workers), "--workers"),
                    TaskTimeRange.Parse(parse.GetValue(taskTime)!),
                    TaskTimeRange.ParseDuration(parse.GetValue(lease)!, parse.GetValue(lease)!),
                    Math.Max(0, parse.GetValue(flakyEvery)),
                    parse.GetValue(verbose));
                if (settings.Lease <= TimeSpan.Zero)
                {
                    throw new FormatException("--lease must be positive");
                }
                if (settings.Connection is { } given)
                {
                    _ = new NpgsqlConnectionStringBuilder(given);
                }
            }
            catch (Exception exception) when (exception is FormatException or ArgumentException)
            {
                await Console.Error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            // Quiet by default: the progress line is the show (the injected failures would log warnings);
            // --verbose adds every claim, task, retry and warning.
            using var loggerFactory = ConsoleLogging.Create(settings.Verbose, LogLevel.Error);
            try
            {
                return await new DemoRun(settings, loggerFactory, Console.Out).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("demo cancelled").ConfigureAwait(false);
                return ExitCodes.Cancelled;
            }
            catch (PgQueueException exception)
            {
                // Bad input the SQL contract refused, e.g. an invalid batch id (PQ002).
                await Console.Error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (Exception exception) when (exception is LocalPostgresException or MigrationException or DatabaseConnectionException or NpgsqlException)
            {
                await Console.Error.WriteLineAsync($"error: {exception.Message}").ConfigureAwait(false);
                return ExitCodes.Failure;
            }
        });
        return command;
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new FormatException($"{name} must be at least 1, got {value}");

    private static List<string> ParseBatches(string text)
    {
        var list = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0)
        {
            throw new FormatException("--batches needs at least one batch id, e.g. A,B,C");
        }
        return list;
    }
}
