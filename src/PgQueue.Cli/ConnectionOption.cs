using System.CommandLine;

namespace PgQueue.Cli;

/// <summary>The <c>--connection</c> option that verbs talking to a database share, with its environment fallback.</summary>
internal static class ConnectionOption
{
    public const string EnvironmentVariable = "PGQUEUE_CONNECTION";

    public static Option<string?> Create() => new("--connection", "-c")
    {
        Description = $"Npgsql connection string, e.g. \"Host=localhost;Username=postgres;Database=app\" (default: ${EnvironmentVariable})",
        HelpName = "connection-string",
    };

    /// <summary>The option's value, else the environment variable's, else null.</summary>
    public static string? Resolve(ParseResult parseResult, Option<string?> option)
    {
        var value = parseResult.GetValue(option);
        if (!string.IsNullOrWhiteSpace(value))
        {
            return value;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment) ? null : fromEnvironment;
    }

    public const string Missing = $"no connection string: pass --connection \"Host=…;Username=…;Database=…\" or set {EnvironmentVariable}";
}
