using Microsoft.Extensions.Logging;
using Xunit;

namespace PgQueue.Lambda.Tests;

public sealed class LambdaSettingsTests
{
    private const string Connection = "Host=proxy.example;Username=worker;Password=secret;Database=app";

    [Fact]
    public void FromEnvironment_applies_the_defaults()
    {
        var settings = Read((LambdaSettings.ConnectionVariable, Connection));

        Assert.Equal(Connection, settings.ConnectionString);
        Assert.Null(settings.PreferredBatchId);
        Assert.Equal(TimeSpan.FromSeconds(50), settings.TimeBudget);
        Assert.Null(settings.MaxTasks);
        Assert.Null(settings.Lease);
        Assert.Equal(LogLevel.Information, settings.LogLevel);
        Assert.Equal("PgQueue", settings.MetricsNamespace);
        Assert.Equal("pgqueue-lambda", settings.FunctionName);
        Assert.NotEmpty(settings.InstanceName);
    }

    [Fact]
    public void FromEnvironment_reads_every_variable()
    {
        var settings = Read(
            (LambdaSettings.ConnectionVariable, Connection),
            (LambdaSettings.PreferredBatchVariable, "customer-42"),
            (LambdaSettings.TimeBudgetVariable, "1500ms"),
            (LambdaSettings.MaxTasksVariable, "1"),
            (LambdaSettings.LeaseVariable, "2m"),
            (LambdaSettings.LogLevelVariable, "debug"),
            (LambdaSettings.MetricsNamespaceVariable, "Billing/Queue"),
            (LambdaSettings.FunctionNameVariable, "billing-worker"),
            (LambdaSettings.LogStreamVariable, "2025/06/01/[$LATEST]0123456789abcdef"));

        Assert.Equal("customer-42", settings.PreferredBatchId);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), settings.TimeBudget);
        Assert.Equal(1, settings.MaxTasks);
        Assert.Equal(TimeSpan.FromMinutes(2), settings.Lease);
        Assert.Equal(LogLevel.Debug, settings.LogLevel);
        Assert.Equal("Billing/Queue", settings.MetricsNamespace);
        Assert.Equal("billing-worker", settings.FunctionName);
        Assert.Equal("0123456789abcdef", settings.InstanceName);
    }

    [Theory]
    [InlineData("50", 50_000)]
    [InlineData("50s", 50_000)]
    [InlineData("0.5s", 500)]
    [InlineData("250ms", 250)]
    [InlineData("2m", 120_000)]
    public void FromEnvironment_reads_durations_with_or_without_a_unit(string text, int milliseconds)
    {
        var settings = Read((LambdaSettings.ConnectionVariable, Connection), (LambdaSettings.TimeBudgetVariable, text));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), settings.TimeBudget);
    }

    [Fact]
    public void FromEnvironment_reports_every_invalid_variable_in_its_own_message()
    {
        var exception = Assert.Throws<LambdaConfigurationException>(() => Read(
            (LambdaSettings.PreferredBatchVariable, "not a batch"),
            (LambdaSettings.TimeBudgetVariable, "soon"),
            (LambdaSettings.MaxTasksVariable, "0"),
            (LambdaSettings.LeaseVariable, "-5s"),
            (LambdaSettings.LogLevelVariable, "loud")));

        Assert.Collection(exception.Problems,
            p => Assert.StartsWith("PGQUEUE_CONNECTION is not set", p, StringComparison.Ordinal),
            p => Assert.StartsWith("PGQUEUE_PREFERRED_BATCH 'not a batch' is not a batch id", p, StringComparison.Ordinal),
            p => Assert.StartsWith("PGQUEUE_TIME_BUDGET 'soon' is not a duration", p, StringComparison.Ordinal),
            p => Assert.StartsWith("PGQUEUE_MAX_TASKS '0' is not a whole number of at least 1", p, StringComparison.Ordinal),
            p => Assert.StartsWith("PGQUEUE_LEASE '-5s' is not a duration", p, StringComparison.Ordinal),
            p => Assert.StartsWith("PGQUEUE_LOG_LEVEL 'loud' is not a log level", p, StringComparison.Ordinal));
        foreach (var problem in exception.Problems)
        {
            Assert.Contains(problem, exception.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("16m")]
    public void FromEnvironment_refuses_a_budget_outside_what_Lambda_can_run(string budget)
    {
        var exception = Assert.Throws<LambdaConfigurationException>(() =>
            Read((LambdaSettings.ConnectionVariable, Connection), (LambdaSettings.TimeBudgetVariable, budget)));
        Assert.Contains("at most 15m", Assert.Single(exception.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=proxy.example;Password=secret;Bogus=1", "not a valid Npgsql connection string")]
    [InlineData("Username=worker;Password=secret", "has no Host")]
    public void FromEnvironment_checks_the_connection_string_without_repeating_it(string connection, string expected)
    {
        var exception = Assert.Throws<LambdaConfigurationException>(() => Read((LambdaSettings.ConnectionVariable, connection)));
        var problem = Assert.Single(exception.Problems);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_reads_api_mode_without_a_connection_string()
    {
        var settings = Read((LambdaSettings.ApiUrlVariable, "https://queue.example.com/base/"), (LambdaSettings.ApiKeyVariable, "k-123"),
            (LambdaSettings.ApiTimeoutVariable, "5s"));

        Assert.True(settings.IsApiMode);
        Assert.Null(settings.ConnectionString);
        Assert.Equal(new Uri("https://queue.example.com/base/"), settings.ApiUrl);
        Assert.Equal("k-123", settings.ApiKey);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ApiTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), Read((LambdaSettings.ApiUrlVariable, "http://api"), (LambdaSettings.ApiKeyVariable, "k")).ApiTimeout);
        Assert.False(Read((LambdaSettings.ConnectionVariable, Connection)).IsApiMode);
    }

    [Theory]
    [InlineData(null, "https://queue.example.com", null, "PGQUEUE_API_KEY is not set")]
    [InlineData(Connection, "https://queue.example.com", "k", "PGQUEUE_CONNECTION and PGQUEUE_API_URL are both set")]
    [InlineData(null, null, null, "PGQUEUE_CONNECTION is not set")]
    [InlineData(null, "queue.example.com/api", "k", "PGQUEUE_API_URL 'queue.example.com/api' is not an absolute http or https URL")]
    [InlineData(null, "ftp://queue.example.com", "k", "PGQUEUE_API_URL 'ftp://queue.example.com' is not an absolute http or https URL")]
    [InlineData(Connection, null, "k", "PGQUEUE_API_KEY is set without PGQUEUE_API_URL")]
    public void FromEnvironment_wants_exactly_one_mode_with_one_message_per_problem(string? connection, string? url, string? key, string expected)
    {
        var exception = Assert.Throws<LambdaConfigurationException>(() => Read(
            (LambdaSettings.ConnectionVariable, connection), (LambdaSettings.ApiUrlVariable, url), (LambdaSettings.ApiKeyVariable, key)));

        Assert.StartsWith(expected, Assert.Single(exception.Problems), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_refuses_a_bad_api_timeout()
    {
        var exception = Assert.Throws<LambdaConfigurationException>(() => Read(
            (LambdaSettings.ApiUrlVariable, "https://queue.example.com"), (LambdaSettings.ApiKeyVariable, "k"), (LambdaSettings.ApiTimeoutVariable, "never")));
        Assert.StartsWith("PGQUEUE_API_TIMEOUT 'never' is not a positive duration", Assert.Single(exception.Problems), StringComparison.Ordinal);
    }

    private static LambdaSettings Read(params (string Name, string? Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return LambdaSettings.FromEnvironment(name => map.GetValueOrDefault(name));
    }
}
