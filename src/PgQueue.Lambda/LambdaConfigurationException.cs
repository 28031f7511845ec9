namespace PgQueue.Lambda;

/// <summary>
/// The Lambda's environment variables are missing or invalid. <see cref="Problems"/> holds one message per variable;
/// the exception's message lists them all.
/// </summary>
public sealed class LambdaConfigurationException : Exception
{
    /// <summary>Creates the exception from the list of problems.</summary>
    /// <param name="problems">One message per missing or invalid variable.</param>
    /// <exception cref="ArgumentNullException"><paramref name="problems"/> is null.</exception>
    public LambdaConfigurationException(IReadOnlyList<string> problems)
        : base(Describe(problems))
    {
        Problems = problems;
    }

    /// <summary>One message per missing or invalid environment variable, naming the variable.</summary>
    public IReadOnlyList<string> Problems { get; }

    private static string Describe(IReadOnlyList<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return "The PgQueue Lambda's configuration is invalid:" + string.Concat(problems.Select(p => Environment.NewLine + "- " + p));
    }
}
