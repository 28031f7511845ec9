using Microsoft.Extensions.Logging;

namespace PgQueue.Migrations;

/// <summary>Stable event ids of the migrator's log: the 8000s.</summary>
internal static class MigrationEventId
{
    public const int WaitingForLock = 8001;
    public const int LockTaken = 8002;
    public const int UnlockFailed = 8003;
    public const int MigrationRan = 8004;
    public const int ScriptReapplied = 8005;
    public const int Migrated = 8006;
    public const int Cancelling = 8007;
    public const int DbUpMessage = 8010;
}

internal static partial class Log
{
    [LoggerMessage(MigrationEventId.WaitingForLock, LogLevel.Information, "Waiting for another migrator of database {Database} to finish")]
    public static partial void WaitingForLock(ILogger logger, string database);

    [LoggerMessage(MigrationEventId.LockTaken, LogLevel.Debug, "Holding the migration lock of database {Database}")]
    public static partial void LockTaken(ILogger logger, string database);

    [LoggerMessage(MigrationEventId.UnlockFailed, LogLevel.Debug, "Could not release the migration lock of database {Database}; closing the session releases it")]
    public static partial void UnlockFailed(ILogger logger, Exception exception, string database);

    [LoggerMessage(MigrationEventId.MigrationRan, LogLevel.Information, "Ran migration {ScriptName}")]
    public static partial void MigrationRan(ILogger logger, string scriptName);

    [LoggerMessage(MigrationEventId.ScriptReapplied, LogLevel.Debug, "Re-applied {ScriptName}")]
    public static partial void ScriptReapplied(ILogger logger, string scriptName);

    [LoggerMessage(
        MigrationEventId.Migrated,
        LogLevel.Information,
        "Migrated database {Database}: {MigrationCount} new migrations, {ReappliedCount} function and view scripts re-applied in {ElapsedMilliseconds} ms")]
    public static partial void Migrated(ILogger logger, string database, int migrationCount, int reappliedCount, long elapsedMilliseconds);

    [LoggerMessage(MigrationEventId.Cancelling, LogLevel.Information, "Cancelling the migration of database {Database}; it rolls back")]
    public static partial void Cancelling(ILogger logger, string database);

    [LoggerMessage(EventId = MigrationEventId.DbUpMessage, Message = "DbUp: {DbUpMessage}")]
    public static partial void DbUpMessage(ILogger logger, LogLevel level, Exception? exception, string dbUpMessage);
}
