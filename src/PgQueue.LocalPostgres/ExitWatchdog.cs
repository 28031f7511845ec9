using System.Diagnostics;
using System.Globalization;

namespace PgQueue.LocalPostgres;

/// <summary>
/// A small shell process that outlives this one: when this process is gone without having disposed the cluster
/// (killed, crashed, or ended by Ctrl+C with nobody handling it), it stops the server and removes the cluster's
/// directory. A normal dispose kills the watchdog first.
/// </summary>
internal sealed class ExitWatchdog : IDisposable
{
    // $1 = the process to watch, $2 = the cluster directory, the rest = the pg_ctl stop command.
    // Ctrl+C, hang-up and a SIGTERM sent to the whole process group reach the watchdog too; it must outlive them.
    private const string Script = """
        exec </dev/null >/dev/null 2>&1
        trap '' INT HUP TERM
        watched=$1; directory=$2; shift 2
        while kill -0 "$watched"; do sleep 1; done
        if [ -d "$directory" ]; then "$@"; rm -rf "$directory"; fi
        """;

    private readonly Process _process;

    private ExitWatchdog(Process process) => _process = process;

    public static ExitWatchdog Start(string clusterDirectory, ProcessStartInfo stopCommand)
    {
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            // Pipes rather than this process's own streams: the watchdog must not hold a test runner's output open,
            // and a child sharing the terminal makes .NET change the terminal's settings for as long as it lives.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        string[] arguments =
        [
            "-c", Script, "pgqueue-local-postgres-watchdog",
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), clusterDirectory,
            stopCommand.FileName, .. stopCommand.ArgumentList,
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return new ExitWatchdog(Process.Start(startInfo)
            ?? throw new LocalPostgresException("could not start the cleanup watchdog (/bin/sh)"));
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
