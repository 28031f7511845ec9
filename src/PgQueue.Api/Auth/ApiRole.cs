namespace PgQueue.Api.Auth;

/// <summary>
/// What an API key may do. The roles mirror the database's: <c>producer</c> enqueues, <c>worker</c> processes tasks,
/// <c>admin</c> does both and also reads tasks and dead tasks, pauses and resumes batches, and redrives dead tasks.
/// Every role reads <c>GET /batches</c> and the OpenAPI document.
/// </summary>
internal static class ApiRole
{
    public const string Producer = "producer";
    public const string Worker = "worker";
    public const string Admin = "admin";

    /// <summary>The roles a key configured with <paramref name="role"/> holds: an admin holds all three.</summary>
    public static IReadOnlyList<string>? Grants(string role) => role.Trim().ToLowerInvariant() switch
    {
        Producer => [Producer],
        Worker => [Worker],
        Admin => [Admin, Producer, Worker],
        _ => null,
    };
}
