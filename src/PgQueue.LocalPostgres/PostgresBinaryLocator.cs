using System.Diagnostics;
using System.Globalization;

namespace PgQueue.LocalPostgres;

/// <summary>Finds the directory that holds the PostgreSQL server programs (initdb, pg_ctl, postgres).</summary>
internal static class PostgresBinaryLocator
{
    public const string EnvironmentVariable = "PGQUEUE_PG_BIN";

    private const string DebianRoot = "/usr/lib/postgresql";

    /// <summary>
    /// The configured directory, then <c>PGQUEUE_PG_BIN</c>, then the highest <c>/usr/lib/postgresql/N/bin</c>, then
    /// <c>pg_config --bindir</c>. An explicitly configured directory that lacks the programs is an error, never skipped.
    /// </summary>
    public static async Task<(string Directory, string Source)> LocateAsync(string? configured, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return HasServerPrograms(configured)
                ? (configured, nameof(LocalPostgresOptions.BinDirectory))
                : throw new LocalPostgresException(
                    $"LocalPostgresOptions.BinDirectory '{configured}' does not contain initdb, pg_ctl and postgres.");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return HasServerPrograms(fromEnvironment)
                ? (fromEnvironment, EnvironmentVariable)
                : throw new LocalPostgresException(
                    $"{EnvironmentVariable}='{fromEnvironment}' does not contain initdb, pg_ctl and postgres.");
        }

        var searched = new List<string> { $"{EnvironmentVariable} (not set)" };
        foreach (var candidate in DebianVersionDirectories())
        {
            if (HasServerPrograms(candidate))
            {
                return (candidate, DebianRoot);
            }

            searched.Add(candidate);
        }

        if (!Directory.Exists(DebianRoot))
        {
            searched.Add($"{DebianRoot}/<version>/bin (no {DebianRoot})");
        }

        var (fromPgConfig, pgConfigNote) = await AskPgConfigAsync(cancellationToken).ConfigureAwait(false);
        if (fromPgConfig is not null && HasServerPrograms(fromPgConfig))
        {
            return (fromPgConfig, "pg_config --bindir");
        }

        searched.Add(pgConfigNote);
        throw new LocalPostgresException(
            $"No PostgreSQL server programs (initdb, pg_ctl, postgres) found. Searched: {string.Join("; ", searched)}. " +
            $"Install the PostgreSQL server (e.g. apt-get install postgresql) or set {EnvironmentVariable} to its bin directory.");
    }

    private static IEnumerable<string> DebianVersionDirectories()
    {
        if (!Directory.Exists(DebianRoot))
        {
            return [];
        }

        return Directory.EnumerateDirectories(DebianRoot)
            .Select(path => (Path: path, Version: ParseVersion(Path.GetFileName(path))))
            .Where(d => d.Version is not null)
            .OrderByDescending(d => d.Version)
            .Select(d => Path.Combine(d.Path, "bin"));
    }

    private static Version? ParseVersion(string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? new Version(major, 0)
        : Version.TryParse(name, out var version) ? version
        : null;

    private static async Task<(string? Directory, string Note)> AskPgConfigAsync(CancellationToken cancellationToken)
    {
        ProcessOutput output;
        try
        {
            output = await ExternalProcess.RunAsync(new ProcessStartInfo("pg_config", ["--bindir"]), cancellationToken).ConfigureAwait(false);
        }
        catch (LocalPostgresException)
        {
            return (null, "pg_config --bindir (pg_config not on PATH)");
        }

        var directory = output.StandardOutput.Trim();
        return output.Succeeded && directory.Length > 0
            ? (directory, $"pg_config --bindir ({directory})")
            : (null, $"pg_config --bindir (exit code {output.ExitCode})");
    }

    private static bool HasServerPrograms(string directory) =>
        File.Exists(Path.Combine(directory, "initdb"))
        && File.Exists(Path.Combine(directory, "pg_ctl"))
        && File.Exists(Path.Combine(directory, "postgres"));
}
