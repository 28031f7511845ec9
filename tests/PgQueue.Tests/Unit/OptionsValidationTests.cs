using Npgsql;
using Xunit;

namespace PgQueue.Tests.Unit;

public sealed class OptionsValidationTests
{
    [Fact]
    public void RetryOptions_MaxRetryAttempts_rejects_a_negative_value_and_keeps_the_old_one()
    {
        var options = new PgQueueRetryOptions { MaxRetryAttempts = 2 };

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetryAttempts = -1);
        Assert.Equal(2, options.MaxRetryAttempts);
    }

    [Fact]
    public void RetryOptions_MaxRetryAttempts_accepts_zero_to_turn_retries_off()
    {
        var options = new PgQueueRetryOptions { MaxRetryAttempts = 0 };

        Assert.Equal(0, options.MaxRetryAttempts);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(86_400_001.0)]
    public void RetryOptions_BaseDelay_rejects_negative_or_longer_than_a_day(double milliseconds)
    {
        var options = new PgQueueRetryOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.BaseDelay = TimeSpan.FromMilliseconds(milliseconds));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(86_400_001.0)]
    public void RetryOptions_MaxDelay_rejects_non_positive_or_longer_than_a_day(double milliseconds)
    {
        var options = new PgQueueRetryOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxDelay = TimeSpan.FromMilliseconds(milliseconds));
    }

    [Fact]
    public void ClientOptions_reject_null_retry_and_serializer_options()
    {
        var options = new PgQueueClientOptions();

        Assert.Throws<ArgumentNullException>(() => options.Retry = null!);
        Assert.Throws<ArgumentNullException>(() => options.SerializerOptions = null!);
        Assert.NotNull(options.Retry);
        Assert.NotNull(options.SerializerOptions);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void WorkerOptions_WorkerId_rejects_null_or_empty(string? workerId)
    {
        var options = new PgQueueWorkerOptions { WorkerId = "w1" };

        Assert.ThrowsAny<ArgumentException>(() => options.WorkerId = workerId!);
        Assert.Equal("w1", options.WorkerId);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-5.0)]
    public void WorkerOptions_reject_non_positive_lease_budget_and_poll_interval(double milliseconds)
    {
        var options = new PgQueueWorkerOptions();
        var value = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Throws<ArgumentOutOfRangeException>(() => options.Lease = value);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.TimeBudget = value);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.IdlePollInterval = value);
        Assert.Null(options.Lease);
        Assert.Null(options.TimeBudget);
    }

    [Fact]
    public void WorkerOptions_accept_null_lease_and_budget_for_the_defaults()
    {
        var options = new PgQueueWorkerOptions { Lease = TimeSpan.FromSeconds(1), TimeBudget = TimeSpan.FromSeconds(1) };

        options.Lease = null;
        options.TimeBudget = null;

        Assert.Null(options.Lease);
        Assert.Null(options.TimeBudget);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void WorkerOptions_MaxTasksPerClaim_rejects_less_than_one(int value)
    {
        var options = new PgQueueWorkerOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxTasksPerClaim = value);
        Assert.Equal(100, options.MaxTasksPerClaim);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void EnqueueOptions_MaxAttempts_rejects_less_than_one(int value)
    {
        var options = new EnqueueOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxAttempts = value);
        Assert.Null(options.MaxAttempts);
    }

    [Fact]
    public void TaskHandlerRegistry_rejects_a_second_handler_for_the_same_type_and_a_second_default()
    {
        var registry = new TaskHandlerRegistry()
            .Register<string>("email", (_, _) => Task.CompletedTask)
            .RegisterDefault<string>((_, _) => Task.CompletedTask);

        Assert.Throws<ArgumentException>(() => registry.Register<string>("email", (_, _) => Task.CompletedTask));
        Assert.Throws<InvalidOperationException>(() => registry.RegisterDefault<string>((_, _) => Task.CompletedTask));
        Assert.ThrowsAny<ArgumentException>(() => registry.Register<string>("", (_, _) => Task.CompletedTask));
        Assert.Throws<ArgumentNullException>(() => registry.Register<string>("sms", null!));
    }

    [Fact]
    public void Client_and_worker_reject_missing_dependencies()
    {
        Assert.ThrowsAny<ArgumentException>(() => PgQueueClient.Create(""));
        Assert.Throws<ArgumentNullException>(() => new PgQueueClient(null!));
        using var dataSource = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1");
        var client = new PgQueueClient(dataSource);
        Assert.Throws<ArgumentNullException>(() => new PgQueueWorker(null!, new TaskHandlerRegistry()));
        Assert.Throws<ArgumentNullException>(() => new PgQueueWorker(client, null!));
    }
}
