using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using PgQueue.Api.Contracts;
using PgQueue.Migrations;
using PgQueue.Hosting;

namespace PgQueue.Api.Endpoints;

/// <summary>
/// <c>GET /healthz</c>, the one endpoint without an API key: 200 when the database answers and has every migration
/// this build ships, else 503. Details of a failure go to the log, not to the anonymous caller.
/// </summary>
internal static class HealthEndpoint
{
    public const string Path = "/healthz";

    public static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, CheckAsync)
            .WithTags("Health")
            .AllowAnonymous()
            .WithSummary("Health: database reachable and migrations current (no API key needed)");
        return app;
    }

    private static async Task<JsonHttpResult<HealthReport>> CheckAsync(
        PgQueueConnection connection, IOptions<PgQueueApiOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(HealthEndpoint));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthTimeout);
        IReadOnlyList<string> pending;
        try
        {
            pending = await PgQueueMigrationStatus.GetPendingMigrationsAsync(connection.ConnectionString, timeout.Token);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            var reachable = exception is PostgresException;
            Log.HealthCheckFailed(logger, reachable, exception);
            return Unhealthy(new HealthReport("unhealthy", reachable ? "reachable" : "unreachable", "unknown"));
        }

        if (pending.Count > 0)
        {
            Log.MigrationsPending(logger, pending.Count, string.Join(", ", pending));
            return Unhealthy(new HealthReport("unhealthy", "reachable", "pending", pending));
        }

        return TypedResults.Json(new HealthReport("healthy", "reachable", "current"));
    }

    private static JsonHttpResult<HealthReport> Unhealthy(HealthReport report) =>
        TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
}
