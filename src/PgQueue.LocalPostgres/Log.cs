using Microsoft.Extensions.Logging;

namespace PgQueue.LocalPostgres;

/// <summary>Stable event ids of the local cluster's log: the 9000s.</summary>
internal static class LocalPostgresEventId
{
    public const int BinariesFound = 9000;
    public const int RunningAsOsUser = 9001;
    public const int CreatedOsUser = 9002;
    public const int Initializing = 9003;
    public const int Started = 9004;
    public const int PortTaken = 9005;
    public const int Restarted = 9006;
    public const int Stopped = 9007;
    public const int Removed = 9008;
    public const int CleanupFailed = 9009;
    public const int DatabaseCreated = 9010;
}

internal static partial class Log
{
    [LoggerMessage(LocalPostgresEventId.BinariesFound, LogLevel.Debug, "Using PostgreSQL programs in {BinDirectory} (found through {Source})")]
    public static partial void BinariesFound(ILogger logger, string binDirectory, string source);

    [LoggerMessage(LocalPostgresEventId.RunningAsOsUser, LogLevel.Debug, "This process is root, so PostgreSQL runs as OS user {OsUser}")]
    public static partial void RunningAsOsUser(ILogger logger, string osUser);

    [LoggerMessage(LocalPostgresEventId.CreatedOsUser, LogLevel.Information, "Created system user {OsUser} to run PostgreSQL")]
    public static partial void CreatedOsUser(ILogger logger, string osUser);

    [LoggerMessage(LocalPostgresEventId.Initializing, LogLevel.Debug, "Initializing a PostgreSQL cluster in {DataDirectory}")]
    public static partial void Initializing(ILogger logger, string dataDirectory);

    [LoggerMessage(LocalPostgresEventId.Started, LogLevel.Information, "Started PostgreSQL on 127.0.0.1:{Port} with data in {DataDirectory}")]
    public static partial void Started(ILogger logger, int port, string dataDirectory);

    [LoggerMessage(LocalPostgresEventId.PortTaken, LogLevel.Warning, "Port {Port} was taken before PostgreSQL could bind it; trying another port")]
    public static partial void PortTaken(ILogger logger, int port);

    [LoggerMessage(LocalPostgresEventId.Restarted, LogLevel.Information, "Restarted PostgreSQL on 127.0.0.1:{Port}")]
    public static partial void Restarted(ILogger logger, int port);

    [LoggerMessage(LocalPostgresEventId.Stopped, LogLevel.Information, "Stopped PostgreSQL on 127.0.0.1:{Port}")]
    public static partial void Stopped(ILogger logger, int port);

    [LoggerMessage(LocalPostgresEventId.Removed, LogLevel.Information, "Removed the PostgreSQL cluster in {ClusterDirectory}")]
    public static partial void Removed(ILogger logger, string clusterDirectory);

    [LoggerMessage(LocalPostgresEventId.CleanupFailed, LogLevel.Warning, "Could not fully remove the PostgreSQL cluster in {ClusterDirectory}")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string clusterDirectory);

    [LoggerMessage(LocalPostgresEventId.DatabaseCreated, LogLevel.Debug, "Created database {Database}")]
    public static partial void DatabaseCreated(ILogger logger, string database);
}
