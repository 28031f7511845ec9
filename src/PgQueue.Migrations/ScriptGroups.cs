using System.Text;
using DbUp.Builder;
using DbUp.Engine;
using DbUp.Support;

namespace PgQueue.Migrations;

/// <summary>
/// The three groups of embedded SQL, in the order they run: migrations (once each, journaled), then functions, then
/// views (both re-applied on every run, so a function's or view's file is its whole definition). Inside a group, scripts
/// run in ordinal name order. The resource names are the paths below <c>database/</c>.
/// </summary>
internal static class ScriptGroups
{
    public const string Migrations = "migrations/";
    public const string Functions = "functions/";
    public const string Views = "views/";

    public static UpgradeEngineBuilder WithPgQueueScripts(this UpgradeEngineBuilder builder)
    {
        var assembly = typeof(ScriptGroups).Assembly;
        return builder
            .WithScriptsEmbeddedInAssembly(assembly, In(Migrations), Encoding.UTF8, Group(1, ScriptType.RunOnce))
            .WithScriptsEmbeddedInAssembly(assembly, In(Functions), Encoding.UTF8, Group(2, ScriptType.RunAlways))
            .WithScriptsEmbeddedInAssembly(assembly, In(Views), Encoding.UTF8, Group(3, ScriptType.RunAlways))
            .WithScriptNameComparer(StringComparer.Ordinal);
    }

    public static bool IsMigration(string scriptName) => scriptName.StartsWith(Migrations, StringComparison.Ordinal);

    private static Func<string, bool> In(string folder) =>
        name => name.StartsWith(folder, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal);

    private static SqlScriptOptions Group(int runGroupOrder, ScriptType scriptType) =>
        new() { RunGroupOrder = runGroupOrder, ScriptType = scriptType };
}
