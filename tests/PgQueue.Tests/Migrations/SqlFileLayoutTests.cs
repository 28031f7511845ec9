using System.Text.RegularExpressions;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Migrations;

/// <summary>The shape of <c>database/</c> that the migrator and reviewers rely on.</summary>
public sealed partial class SqlFileLayoutTests
{
    [Fact]
    public void Migration_files_are_named_NNNN_snake_case_with_contiguous_numbers_from_0001()
    {
        var names = Files("migrations").Select(Path.GetFileName).ToList();

        Assert.NotEmpty(names);
        Assert.All(names, name => Assert.Matches(MigrationName(), name));
        Assert.Equal(
            Enumerable.Range(1, names.Count),
            names.Select(name => int.Parse(name![..4], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Every_migration_file_starts_with_a_comment_line_saying_why()
    {
        Assert.All(Files("migrations"), path =>
        {
            var first = File.ReadLines(path).First();
            Assert.True(first.StartsWith("--", StringComparison.Ordinal) && first.Length > 3,
                $"{Path.GetFileName(path)} starts with '{first}', not a '--' comment.");
        });
    }

    [Fact]
    public void Every_function_file_creates_or_replaces_exactly_the_function_it_is_named_after()
    {
        Assert.All(Files("functions"), path =>
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var created = CreatedFunction().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal([name], created);
        });
    }

    private static string[] Files(string folder) =>
        [.. Directory.GetFiles(RepositoryRoot.Combine("database", folder), "*.sql").Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"^\d{4}_[a-z0-9]+(_[a-z0-9]+)*\.sql$")]
    private static partial Regex MigrationName();

    [GeneratedRegex(@"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+pgqueue\.(\w+)\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex CreatedFunction();
}
