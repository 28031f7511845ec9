namespace PgQueue.Tests.Infrastructure;

/// <summary>The repository's root folder: the first folder above the test binaries that holds <c>PgQueue.sln</c>.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The root folder's full path.</summary>
    public static string Path => Root.Value;

    /// <summary>A path below the root, from its parts.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "PgQueue.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No PgQueue.sln in {AppContext.BaseDirectory} or any folder above it.");
    }
}
