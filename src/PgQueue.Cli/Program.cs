using System.CommandLine;
using PgQueue.Cli;
using PgQueue.Cli.Demo;
using PgQueue.Cli.Schedules;

// Each verb is one file with a Create() method; adding a verb is adding it here.
var root = new RootCommand("PgQueue: a task queue that lives in PostgreSQL.")
{
    MigrateCommand.Create(),
    DemoCommand.Create(),
    LambdaLocalCommand.Create(),
    ScheduleCommand.Create(),
    BatchCommand.Create(),
};

var configuration = new InvocationConfiguration
{
    // Ctrl+C and SIGTERM cancel the verb's token; give a verb this long to roll back or remove what it started.
    ProcessTerminationTimeout = TimeSpan.FromSeconds(10),
};

var parseResult = root.Parse(args);
var exitCode = await parseResult.InvokeAsync(configuration);
return parseResult.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
