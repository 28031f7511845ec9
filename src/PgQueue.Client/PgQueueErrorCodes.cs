namespace PgQueue;

/// <summary>
/// The SQLSTATE codes the <c>pgqueue</c> functions raise for contract errors, like
/// <see cref="Npgsql.PostgresErrorCodes"/> does for PostgreSQL's own codes.
/// </summary>
public static class PgQueueErrorCodes
{
    /// <summary><c>PQ001</c>: the lease is not held (expired, released or taken over). Claim the batch again.</summary>
    public const string LeaseNotHeld = "PQ001";

    /// <summary><c>PQ002</c>: the batch id is null or not 1–64 characters of <c>A-Z a-z 0-9 . _ : -</c>.</summary>
    public const string InvalidBatchId = "PQ002";

    /// <summary><c>PQ003</c>: the task is not this lease's head task, or it is not found.</summary>
    public const string NotHeadTask = "PQ003";

    /// <summary><c>PQ004</c>: any other invalid argument (empty worker id, non-positive lease, payload over the limit, …).</summary>
    public const string InvalidArgument = "PQ004";
}
