using Npgsql;

namespace PgQueue.Worker;

/// <summary>The connection the worker host LISTENs on.</summary>
internal static class ListenConnection
{
    /// <summary>
    /// The listener's connection string: its own physical connection (never pooled, so no pool recycles it), with TCP
    /// keepalives so a dead peer is noticed while it waits.
    /// </summary>
    public static string For(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        if (builder.KeepAlive == 0)
        {
            builder.KeepAlive = 30;
        }

        builder.ApplicationName ??= "pgqueue-worker-listen";
        return builder.ConnectionString;
    }
}
