using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace PgQueue.LocalPostgres;

/// <summary>
/// The OS user that owns the cluster's files and runs initdb and pg_ctl. PostgreSQL refuses to run as root, so a root
/// process hands the cluster to <c>postgres</c> (or creates a system user <c>pgqueue</c>) and runs the programs through
/// <c>runuser</c>; any other process runs them as itself.
/// </summary>
internal sealed class ServerAccount
{
    private const string PackagedUser = "postgres";
    private const string OwnUser = "pgqueue";

    // useradd's exit code when the name is taken: another process created the user at the same moment.
    private const int UserAlreadyExists = 9;

    private static readonly SemaphoreSlim UserCreation = new(1, 1);

    private ServerAccount(string? userName) => UserName = userName;

    /// <summary>The user the programs run as through runuser, or null to run them as this process's user.</summary>
    public string? UserName { get; }

    public static async Task<ServerAccount> ResolveAsync(ILogger logger, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows() || !Environment.IsPrivilegedProcess)
        {
            return new ServerAccount(null);
        }

        if (await ExistsAsync(PackagedUser, cancellationToken).ConfigureAwait(false))
        {
            Log.RunningAsOsUser(logger, PackagedUser);
            return new ServerAccount(PackagedUser);
        }

        await UserCreation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!await ExistsAsync(OwnUser, cancellationToken).ConfigureAwait(false))
            {
                await CreateSystemUserAsync(OwnUser, cancellationToken).ConfigureAwait(false);
                Log.CreatedOsUser(logger, OwnUser);
            }
        }
        finally
        {
            UserCreation.Release();
        }

        Log.RunningAsOsUser(logger, OwnUser);
        return new ServerAccount(OwnUser);
    }

    /// <summary>A start info that runs <paramref name="program"/> as this account.</summary>
    public ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, string workingDirectory)
    {
        var startInfo = UserName is null
            ? new ProcessStartInfo(program, arguments)
            : new ProcessStartInfo("runuser", ["-u", UserName, "--", program, .. arguments]);
        // The caller's working directory may be unreadable for the server's user.
        startInfo.WorkingDirectory = workingDirectory;
        return startInfo;
    }

    /// <summary>Gives the account the directory and everything in it.</summary>
    public async Task TakeOwnershipAsync(string directory, CancellationToken cancellationToken)
    {
        if (UserName is null)
        {
            return;
        }

        var output = await ExternalProcess.RunAsync(new ProcessStartInfo("chown", ["-R", $"{UserName}:", directory]), cancellationToken)
            .ConfigureAwait(false);
        if (!output.Succeeded)
        {
            throw new LocalPostgresException($"chown -R {UserName}: {directory} failed: {output.Text}");
        }
    }

    private static async Task<bool> ExistsAsync(string userName, CancellationToken cancellationToken)
    {
        var output = await ExternalProcess.RunAsync(new ProcessStartInfo("id", ["-u", userName]), cancellationToken).ConfigureAwait(false);
        return output.Succeeded;
    }

    private static async Task CreateSystemUserAsync(string userName, CancellationToken cancellationToken)
    {
        var output = await ExternalProcess.RunAsync(
                new ProcessStartInfo(
                    "useradd",
                    ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", userName]),
                cancellationToken)
            .ConfigureAwait(false);
        if (!output.Succeeded && output.ExitCode != UserAlreadyExists)
        {
            throw new LocalPostgresException(
                $"PostgreSQL cannot run as root and there is no '{PackagedUser}' user; creating system user '{userName}' with useradd failed " +
                $"(exit code {output.ExitCode}): {output.Text}");
        }
    }
}
