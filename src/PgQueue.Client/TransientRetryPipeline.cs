using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;
using Polly.Retry;

namespace PgQueue;

// The client's single resilience pipeline: exponential backoff with jitter on TransientErrors.IsTransient.
internal static class TransientRetryPipeline
{
    // Set by units of work that must not be repeated once their command may have reached the server (enqueue):
    // after that, only a server error proves that nothing committed.
    public static readonly ResiliencePropertyKey<bool> CommandSent = new("PgQueue.CommandSent");

    public static ResiliencePipeline Build(PgQueueRetryOptions options, ILogger logger)
    {
        if (options.MaxRetryAttempts == 0)
        {
            return ResiliencePipeline.Empty;
        }

        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = arguments => ValueTask.FromResult(ShouldRetry(arguments.Outcome.Exception, arguments.Context)),
                OnRetry = arguments =>
                {
                    Log.RetryingTransientError(logger, arguments.Context.OperationKey ?? "unknown",
                        arguments.AttemptNumber + 1, arguments.RetryDelay, arguments.Outcome.Exception);
                    return default;
                },
            })
            .Build();
    }

    private static bool ShouldRetry(Exception? exception, ResilienceContext context) =>
        exception is not null
        && TransientErrors.IsTransient(exception)
        && (exception is PostgresException || !context.Properties.GetValue(CommandSent, false));
}
