namespace PgQueue.Api.Contracts;

/// <summary>The answer of <c>GET /healthz</c> (200 when healthy, else 503).</summary>
/// <param name="Status"><c>healthy</c> or <c>unhealthy</c>.</param>
/// <param name="Database"><c>reachable</c> or <c>unreachable</c>.</param>
/// <param name="Migrations"><c>current</c>, <c>pending</c> or <c>unknown</c>.</param>
/// <param name="PendingMigrations">The migrations the database lacks, when some are pending.</param>
internal sealed record HealthReport(string Status, string Database, string Migrations, IReadOnlyList<string>? PendingMigrations = null);
