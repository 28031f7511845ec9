using Microsoft.AspNetCore.Http.HttpResults;
using PgQueue.Api.Contracts;

namespace PgQueue.Api.Errors;

/// <summary>The problem details (RFC 7807) the endpoints answer with when they reject a request themselves.</summary>
internal static class ApiProblems
{
    /// <summary>A request that is well-formed JSON but asks for something invalid; nothing reached the database.</summary>
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    /// <summary>An unknown resource.</summary>
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary>
    /// A problem about one task id, carrying <c>taskId</c> and <c>state</c> (<c>pending</c>, <c>dead</c>,
    /// <c>completed</c> or <c>unknown</c>) as extensions, and the contract's SQLSTATE when a function raised it.
    /// A client tells an unknown task from an unknown route by <c>"state": "unknown"</c>.
    /// </summary>
    public static ProblemHttpResult Task(int status, string title, string detail, long taskId, TaskState state, string? sqlState = null)
    {
        var extensions = new Dictionary<string, object?>
        {
            ["taskId"] = taskId,
            ["state"] = TaskDetails.Name(state),
        };
        if (sqlState is not null)
        {
            extensions["sqlState"] = sqlState;
        }

        return TypedResults.Problem(detail, statusCode: status, title: title,
            type: sqlState is null ? null : $"urn:pgqueue:error:{sqlState}", extensions: extensions);
    }
}
