using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace PgQueue.Api.Errors;

/// <summary>
/// Turns exceptions into problem details (RFC 7807): unreadable requests into 400/413/415, the contract's errors by
/// their SQLSTATE (<c>PQ002</c>/<c>PQ004</c> 400, <c>PQ001</c>/<c>PQ003</c> 409), a database that stays unavailable
/// after the client's retries into 503, anything else into a 500 that names no internals.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client is gone: nobody reads an answer, and the work was rolled back.
            Log.RequestAborted(logger, httpContext.Request.Method, httpContext.Request.Path);
            httpContext.Response.StatusCode = 499;
            return true;
        }

        var (status, title, detail, sqlState) = Describe(exception);
        if (status >= 500)
        {
            Log.RequestFailed(logger, httpContext.Request.Method, httpContext.Request.Path, status, exception);
        }
        else
        {
            Log.RequestRejected(logger, httpContext.Request.Method, httpContext.Request.Path, status, detail);
        }

        httpContext.Response.StatusCode = status;
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }

        var context = new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        };
        if (sqlState is not null)
        {
            context.ProblemDetails.Type = $"urn:pgqueue:error:{sqlState}";
            context.ProblemDetails.Extensions["sqlState"] = sqlState;
        }

        return await problemDetails.TryWriteAsync(context).ConfigureAwait(false);
    }

    private static (int Status, string Title, string Detail, string? SqlState) Describe(Exception exception) => exception switch
    {
        BadHttpRequestException bad => (bad.StatusCode, BadRequestTitle(bad.StatusCode), BadRequestDetail(bad), null),
        InvalidBatchIdException or InvalidQueueArgumentException =>
            (StatusCodes.Status400BadRequest, "Invalid argument", exception.Message, ((PgQueueException)exception).SqlState),
        LeaseLostException or NotHeadTaskException =>
            (StatusCodes.Status409Conflict, "Conflict", exception.Message, ((PgQueueException)exception).SqlState),
        NpgsqlException database when TransientErrors.IsTransient(database) =>
            (StatusCodes.Status503ServiceUnavailable, "Database unavailable", "The database is unavailable; try again later.", null),
        _ => (StatusCodes.Status500InternalServerError, "Internal error", "The request failed; the server log has the details.", null),
    };

    private static string BadRequestTitle(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        _ => "Bad request",
    };

    // The JSON reader's message names the offending path ("$.maxAttempts"): say it, it is the caller's own input.
    private static string BadRequestDetail(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
}
