using System.ComponentModel;
using System.Diagnostics;

namespace PgQueue.LocalPostgres;

/// <summary>What a finished external command printed and returned.</summary>
internal sealed record ProcessOutput(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public string Text => $"{StandardOutput}{StandardError}".Trim();
}

/// <summary>Runs initdb, pg_ctl, id, useradd and chown to completion, capturing their output.</summary>
internal static class ExternalProcess
{
    public static async Task<ProcessOutput> RunAsync(ProcessStartInfo startInfo, CancellationToken cancellationToken)
    {
        using var process = Start(startInfo);
        var standardOutput = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var standardError = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }

        return new ProcessOutput(process.ExitCode, await standardOutput.ConfigureAwait(false), await standardError.ConfigureAwait(false));
    }

    // Only for AppDomain.ProcessExit, where nothing can be awaited.
    public static ProcessOutput Run(ProcessStartInfo startInfo, TimeSpan timeout)
    {
        using var process = Start(startInfo);
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            Kill(process);
            return new ProcessOutput(-1, string.Empty, $"{startInfo.FileName} did not finish within {timeout}");
        }

        return new ProcessOutput(process.ExitCode, standardOutput.GetAwaiter().GetResult(), standardError.GetAwaiter().GetResult());
    }

    private static Process Start(ProcessStartInfo startInfo)
    {
        startInfo.UseShellExecute = false;
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = false;
        // The server's log messages are matched in English (port races) and must not depend on the caller's locale.
        startInfo.Environment["LC_ALL"] = "C";
        try
        {
            return Process.Start(startInfo)
                ?? throw new LocalPostgresException($"could not start {startInfo.FileName}");
        }
        catch (Win32Exception e)
        {
            throw new LocalPostgresException($"could not run {startInfo.FileName}: {e.Message}", e);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own meanwhile.
        }
    }
}
