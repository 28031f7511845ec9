using System.Reflection;
using System.Text.RegularExpressions;
using Npgsql;
using PgQueue.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Tests.Migrations;

/// <summary>The migrated schema, the C# constants and DESIGN.md's contract say the same thing.</summary>
public sealed partial class ContractSyncTests(DatabaseFixture database) : DatabaseTest(database)
{
    // DESIGN.md, "The contract" (both parts): the names other languages and tests depend on, in ordinal order.
    private static readonly string[] ContractFunctions =
    [
        "claim_batch", "complete_task", "dequeue_task", "drop_schedule", "enqueue", "enqueue_due_schedules",
        "enqueue_many", "fail_task", "next_cron_run", "pause_batch", "reap_stale_locks", "release_batch", "renew_lease",
        "rerun_task", "resume_batch", "retry_dead_tasks", "set_batch_priority", "set_schedule",
    ];

    [Fact]
    public async Task The_public_functions_of_schema_pgqueue_are_exactly_the_contract_with_one_signature_each()
    {
        var functions = await FunctionsAsync();

        var contract = functions.Where(f => !f.Name.StartsWith('_')).ToList();
        Assert.Equal(ContractFunctions, contract.Select(f => f.Name).Distinct().Order(StringComparer.Ordinal));
        Assert.All(contract.GroupBy(f => f.Name), overloads => Assert.True(overloads.Count() == 1,
            $"pgqueue.{overloads.Key} has {overloads.Count()} signatures: {string.Join("; ", overloads.Select(o => o.Signature))}"));
    }

    [Fact]
    public async Task Every_contract_function_is_security_definer_with_a_pinned_search_path_and_owned_by_pgqueue_owner()
    {
        var contract = (await FunctionsAsync()).Where(f => !f.Name.StartsWith('_')).ToList();

        Assert.NotEmpty(contract);
        Assert.All(contract, f =>
        {
            Assert.True(f.SecurityDefiner, $"{f.Signature} is not SECURITY DEFINER");
            Assert.True(f.Config.Any(c => c.StartsWith("search_path=", StringComparison.Ordinal)), $"{f.Signature} has no pinned search_path");
            Assert.Equal("pgqueue_owner", f.Owner);
        });
    }

    [Fact]
    public async Task No_pgqueue_function_is_executable_by_PUBLIC()
    {
        var functions = await FunctionsAsync();

        Assert.NotEmpty(functions);
        Assert.All(functions, f => Assert.False(f.PublicCanExecute, $"PUBLIC may execute {f.Signature}"));
    }

    [Fact]
    public void PgQueueErrorCodes_equal_the_sqlstates_the_functions_raise()
    {
        var raised = Directory.GetFiles(RepositoryRoot.Combine("database", "functions"), "*.sql")
            .SelectMany(path => RaisedErrorCode().Matches(File.ReadAllText(path)).Select(m => m.Groups[1].Value))
            .Distinct().Order(StringComparer.Ordinal);
        var constants = typeof(PgQueueErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order(StringComparer.Ordinal);

        Assert.Equal(constants, raised);
    }

    private sealed record Function(string Name, string Signature, bool SecurityDefiner, string[] Config, string Owner, bool PublicCanExecute);

    private async Task<IReadOnlyList<Function>> FunctionsAsync()
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT p.proname, p.oid::regprocedure::text, p.prosecdef, coalesce(p.proconfig, '{}'), pg_get_userbyid(p.proowner),
                   EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) AS a
                            WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
              FROM pg_proc AS p
             WHERE p.pronamespace = 'pgqueue'::regnamespace
             ORDER BY p.proname
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var functions = new List<Function>();
        while (await reader.ReadAsync())
        {
            functions.Add(new Function(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2),
                reader.GetFieldValue<string[]>(3), reader.GetString(4), reader.GetBoolean(5)));
        }

        return functions;
    }

    [GeneratedRegex(@"ERRCODE\s*=\s*'(PQ\d{3})'", RegexOptions.IgnoreCase)]
    private static partial Regex RaisedErrorCode();
}
