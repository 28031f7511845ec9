using Microsoft.AspNetCore.Http.HttpResults;

namespace PgQueue.Api.Errors;

/// <summary>The problem details (RFC 7807) the endpoints answer with when they reject a request themselves.</summary>
internal static class ApiProblems
{
    /// <summary>A request that is well-formed JSON but asks for something invalid; nothing reached the database.</summary>
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Bad request");

    /// <summary>An unknown task.</summary>
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
