using Microsoft.Extensions.Options;

namespace PgQueue.Worker.Handlers;

/// <summary>
/// Registers <see cref="DemoTasks"/> (task type <c>demo.sleep</c>: its payload says how long the "work" takes and how
/// many tries fail, e.g. <c>{"sleepMs": 1500, "failAttempts": 1}</c>). On by default; <c>PgQueue:Worker:DemoHandlers=false</c> turns it off.
/// </summary>
internal sealed class DemoSleepHandler(IOptions<PgQueueWorkerHostOptions> options) : ITaskHandlerModule
{
    public const string TaskType = DemoTasks.SleepTaskType;

    public void Register(TaskHandlerRegistry registry)
    {
        if (options.Value.DemoHandlers)
        {
            DemoTasks.Register(registry);
        }
    }
}
