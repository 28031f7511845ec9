using Microsoft.AspNetCore.Http.HttpResults;
using PgQueue.Api.Errors;

namespace PgQueue.Api.Endpoints;

/// <summary>The <c>limit</c> query parameter of the list endpoints.</summary>
internal static class ListLimit
{
    public const int Default = 100;

    public static ProblemHttpResult? Check(int? limit, PgQueueApiOptions options) =>
        limit is { } value && (value < 1 || value > options.MaxListLimit)
            ? ApiProblems.BadRequest($"limit must be between 1 and {options.MaxListLimit}, got {value}.")
            : null;
}
