using Microsoft.Extensions.Options;

namespace PgQueue.Worker.Handlers;

/// <summary>
/// The demo handler for task type <c>demo.sleep</c> (the same as the API's): its payload says how long the "work"
/// takes and how many tries fail, e.g. <c>{"sleepMs": 1500, "failAttempts": 1}</c>. It honours its token, so stopping
/// the host rolls a sleeping task back. On by default; <c>PgQueue:Worker:DemoHandlers=false</c> turns it off.
/// </summary>
internal sealed class DemoSleepHandler(IOptions<PgQueueWorkerHostOptions> options) : ITaskHandlerModule
{
    public const string TaskType = "demo.sleep";

    // A task's transaction stays open while it sleeps: keep demo work well inside any lease.
    private const int MaxSleepMs = 60_000;

    public void Register(TaskHandlerRegistry registry)
    {
        if (options.Value.DemoHandlers)
        {
            registry.Register<DemoSleepPayload>(TaskType, RunAsync);
        }
    }

    private static async Task RunAsync(TaskContext<DemoSleepPayload> task, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(task.Payload.SleepMs, 0, MaxSleepMs)), cancellationToken);
        if (task.Attempts < task.Payload.FailAttempts)
        {
            throw new InvalidOperationException(task.Payload.Error
                ?? $"demo.sleep fails try {task.Attempts + 1} of the first {task.Payload.FailAttempts}, as its payload asks");
        }
    }

    /// <summary>The payload of a <c>demo.sleep</c> task.</summary>
    /// <param name="SleepMs">How long the work takes, in milliseconds (0 to 60000).</param>
    /// <param name="FailAttempts">How many tries fail, the first included.</param>
    /// <param name="Error">The error a failing try reports.</param>
    internal sealed record DemoSleepPayload(int SleepMs = 0, int FailAttempts = 0, string? Error = null);
}
