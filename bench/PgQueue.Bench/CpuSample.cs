using System.Diagnostics;
using System.Globalization;

namespace PgQueue.Bench;

/// <summary>
/// CPU time spent so far by this process (the client), by a local PostgreSQL server (its postmaster and every live
/// child, plus the children it has already reaped: backends that closed count too), and by the whole machine. Read
/// from <c>/proc</c> in clock ticks (USER_HZ, 100 per second on Linux); the server and machine figures are null where
/// <c>/proc</c> is missing or the server is not local. Subtract two samples to get the CPU spent between them.
/// </summary>
internal readonly record struct CpuSample(TimeSpan Client, TimeSpan? Server, long? MachineBusyTicks, long? MachineTotalTicks)
{
    private const double TicksPerSecond = 100;

    /// <summary>The busy share of all cores between two samples (1 = every core busy all the time).</summary>
    public double? MachineBusy => MachineBusyTicks is { } busy && MachineTotalTicks is > 0 ? (double)busy / MachineTotalTicks : null;

    public static CpuSample operator -(CpuSample end, CpuSample start) => new(
        end.Client - start.Client,
        end.Server - start.Server,
        end.MachineBusyTicks - start.MachineBusyTicks,
        end.MachineTotalTicks - start.MachineTotalTicks);

    public static CpuSample Take(int? postmaster)
    {
        using var self = Process.GetCurrentProcess();
        var (busy, total) = Machine();
        return new CpuSample(self.TotalProcessorTime, postmaster is { } pid ? ServerTime(pid) : null, busy, total);
    }

    /// <summary>
    /// The postmaster of the local backend <paramref name="backend"/>: its parent, when both are PostgreSQL processes
    /// of this machine; null otherwise (a remote server's backend pid means nothing here).
    /// </summary>
    public static int? PostmasterOf(int backend) =>
        IsPostgres(backend) && Stat(backend) is { } fields && int.Parse(fields[1], CultureInfo.InvariantCulture) is var parent && IsPostgres(parent)
            ? parent
            : null;

    private static bool IsPostgres(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "postgres";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static TimeSpan? ServerTime(int postmaster)
    {
        if (Stat(postmaster) is not { } main)
        {
            return null;
        }

        // The postmaster's cutime + cstime hold its reaped children; the live ones are counted one by one.
        var ticks = Ticks(main, withChildren: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != postmaster && Stat(pid) is { } fields && fields[1] == postmaster.ToString(CultureInfo.InvariantCulture))
            {
                ticks += Ticks(fields, withChildren: false);
            }
        }

        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    // Fields after "(comm)" of /proc/<pid>/stat, from field 3 (state) on: [0] state, [1] ppid, ..., [11] utime,
    // [12] stime, [13] cutime, [14] cstime.
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long Ticks(string[] fields, bool withChildren) =>
        long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
        + (withChildren ? long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture) : 0);

    // The first line of /proc/stat: cpu user nice system idle iowait irq softirq steal ... (ticks, all cores).
    private static (long? Busy, long? Total) Machine()
    {
        try
        {
            var line = File.ReadLines("/proc/stat").First();
            var ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(field => long.Parse(field, CultureInfo.InvariantCulture)).ToArray();
            var idle = ticks[3] + ticks[4];
            return (ticks.Sum() - idle, ticks.Sum());
        }
        catch (IOException)
        {
            return (null, null);
        }
    }
}
