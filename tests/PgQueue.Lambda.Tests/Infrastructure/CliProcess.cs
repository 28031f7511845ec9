using System.Diagnostics;

namespace PgQueue.Lambda.Tests.Infrastructure;

/// <summary>Runs the <c>pgqueue</c> CLI (this test's build of it) as a process, the way a user or a chaos test does.</summary>
public static class CliProcess
{
    public static async Task<(int ExitCode, IReadOnlyList<string> StdoutLines, string Stderr)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliPath());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("PGQUEUE_CONNECTION");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries), await stderr);
    }

    // The CLI's build output beside this test's: same configuration, net10.0.
    private static string CliPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = directory.Parent!.Name;
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PgQueue.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory!.FullName, "src", "PgQueue.Cli", "bin", configuration, "net10.0", "pgqueue.dll");
    }
}
