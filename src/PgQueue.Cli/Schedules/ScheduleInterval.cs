using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace PgQueue.Cli.Schedules;

/// <summary>
/// The <c>--every</c> of <c>pgqueue schedule set</c>: <c>5s</c>, <c>90s</c>, <c>10m</c>, <c>1h</c>, <c>1d</c> or
/// combinations (<c>1h30m</c>), a .NET time span (<c>00:05:00</c>), or ISO 8601 (<c>PT5M</c>). The contract takes a whole
/// number of seconds, at least one; a day counts 24 hours; months and years are refused.
/// </summary>
internal static partial class ScheduleInterval
{
    private const string Forms = "use e.g. 5s, 90s, 10m, 1h, 1d, 1h30m, 00:05:00 or PT5M";

    public static bool TryParse(string? text, out TimeSpan every, out string error)
    {
        every = default;
        error = "";
        var value = text?.Trim() ?? "";
        try
        {
            if (UnitForm().Match(value) is { Success: true } match)
            {
                var seconds = 0L;
                for (var i = 0; i < match.Groups[1].Captures.Count; i++)
                {
                    var number = long.Parse(match.Groups[1].Captures[i].Value, CultureInfo.InvariantCulture);
                    seconds = checked(seconds + (number * char.ToLowerInvariant(match.Groups[2].Captures[i].Value[0]) switch
                    {
                        'd' => 86_400L,
                        'h' => 3_600L,
                        'm' => 60L,
                        _ => 1L,
                    }));
                }

                every = TimeSpan.FromSeconds(seconds);
            }
            else if (value.StartsWith('P') || value.StartsWith('p'))
            {
                var datePart = value.Split('T', 't')[0];
                if (datePart.Contains('Y', StringComparison.OrdinalIgnoreCase) || datePart.Contains('M', StringComparison.OrdinalIgnoreCase))
                {
                    error = $"'{value}' counts months or years, which have no fixed length: use days (P30D) or cron";
                    return false;
                }

                every = XmlConvert.ToTimeSpan(value.ToUpperInvariant());
            }
            else if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out every))
            {
                error = $"'{value}' is not an interval: {Forms}";
                return false;
            }
        }
        catch (Exception exception) when (exception is FormatException or OverflowException)
        {
            error = $"'{value}' is not an interval: {Forms}";
            return false;
        }

        if (every < TimeSpan.FromSeconds(1) || every.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            error = $"'{value}' is not a whole number of seconds of at least 1s";
            return false;
        }

        return true;
    }

    /// <summary>The shortest unit form: <c>1d</c>, <c>1h30m</c>, <c>90s</c> as <c>1m30s</c>.</summary>
    public static string Format(TimeSpan every)
    {
        if (every <= TimeSpan.Zero)
        {
            return every.ToString("c", CultureInfo.InvariantCulture);
        }

        var text = new StringBuilder();
        foreach (var (part, unit) in new (long Part, char Unit)[] { ((long)every.TotalDays, 'd'), (every.Hours, 'h'), (every.Minutes, 'm'), (every.Seconds, 's') })
        {
            if (part > 0)
            {
                text.Append(part.ToString(CultureInfo.InvariantCulture)).Append(unit);
            }
        }

        if (every.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"+{every.Ticks % TimeSpan.TicksPerSecond}ticks");
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^(?:(\d{1,12})\s*([dhms]))+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnitForm();
}
