using System.Diagnostics;

namespace PgQueue.Chaos.Tests.Infrastructure;

/// <summary>
/// One <c>pgqueue lambda-local</c> worker process (one function instance), started from the CLI's build output beside
/// this test's. Its stdout JSON lines are read as they come; a kill is SIGKILL, mid-whatever it was doing.
/// </summary>
public sealed class RunnerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task _stdout;
    private readonly Task _stderr;
    private int _tasksFinished;
    private int _tasksAbandoned;

    private RunnerProcess(Process process)
    {
        _process = process;
        _stdout = ReadLinesAsync(process.StandardOutput, OnStdoutLine);
        _stderr = ReadLinesAsync(process.StandardError, _ => { });
    }

    /// <summary>Tasks this process logged as finished, whatever the outcome.</summary>
    public int TasksFinished => Volatile.Read(ref _tasksFinished);

    /// <summary>
    /// Tasks this process logged as finished without completing (lease lost, rolled back by a dropped connection,
    /// failed): each may have been started again by someone else.
    /// </summary>
    public int TasksAbandoned => Volatile.Read(ref _tasksAbandoned);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static RunnerProcess Start(string connectionString, TimeSpan lease)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            CliPath(), "lambda-local", "--connection", connectionString, "--every", "100ms", "--concurrency", "1",
            "--until-empty", "--budget", "10s", "--lease", $"{(int)lease.TotalMilliseconds}ms",
        })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("PGQUEUE_CONNECTION");
        return new RunnerProcess(Process.Start(start)!);
    }

    /// <summary>kill -9: no shutdown, no rollback but the server's own when the connections drop.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async Task WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(_stdout, _stderr);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void OnStdoutLine(string line)
    {
        if (!line.Contains("\"eventId\":4001", StringComparison.Ordinal))
        {
            return;
        }

        Interlocked.Increment(ref _tasksFinished);
        if (!line.Contains("\"outcome\":\"completed\"", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _tasksAbandoned);
        }
    }

    private static async Task ReadLinesAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
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
