using Xunit;

namespace PgQueue.Chaos.Tests;

/// <summary>The races that kill worker processes: one at a time, each on its own private cluster (2 cores are enough).</summary>
[CollectionDefinition(Name)]
public sealed class WorkerChaosCollection
{
    public const string Name = "chaos: worker processes";
}

/// <summary>The race that restarts PostgreSQL: its own private cluster, and nothing else runs beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresRestartCollection
{
    public const string Name = "chaos: PostgreSQL restarts";
}
