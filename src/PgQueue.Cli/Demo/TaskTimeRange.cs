using System.Globalization;

namespace PgQueue.Cli.Demo;

/// <summary>How long a simulated task takes: a fixed time ("20ms", "1.5s") or a uniform range ("1s-2s").</summary>
internal readonly record struct TaskTimeRange(TimeSpan Min, TimeSpan Max)
{
    public TimeSpan Average => (Min + Max) / 2;

    public TimeSpan Next() =>
        Min == Max ? Min : Min + TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * (Max - Min).Ticks));

    public override string ToString() => Min == Max ? Format(Min) : $"{Format(Min)}-{Format(Max)}";

    /// <summary>Parses "250ms", "1.5s", "1s-2s"; throws <see cref="FormatException"/> with the accepted forms.</summary>
    public static TaskTimeRange Parse(string text)
    {
        var parts = text.Split('-', 2, StringSplitOptions.TrimEntries);
        var min = ParseDuration(parts[0], text);
        var max = parts.Length == 2 ? ParseDuration(parts[1], text) : min;
        if (max < min)
        {
            throw new FormatException($"task time range '{text}' ends before it starts");
        }
        return new TaskTimeRange(min, max);
    }

    /// <summary>Parses "250ms", "1.5s", "2m" into a duration.</summary>
    public static TimeSpan ParseDuration(string part, string whole)
    {
        (string number, double scale) = part switch
        {
            _ when part.EndsWith("ms", StringComparison.OrdinalIgnoreCase) => (part[..^2], 1.0),
            _ when part.EndsWith('s') => (part[..^1], 1000.0),
            _ when part.EndsWith('m') => (part[..^1], 60_000.0),
            _ => (part, 1000.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
        {
            throw new FormatException($"'{whole}' is not a duration: use e.g. 250ms, 1.5s, 2m or a range 1s-2s");
        }
        return TimeSpan.FromMilliseconds(value * scale);
    }

    private static string Format(TimeSpan value) =>
        value.TotalSeconds >= 1
            ? value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s"
            : value.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
}
