namespace PgQueue.Worker.Handlers;

/// <summary>
/// Registers task handlers into the registry the worker host runs tasks with. Implement it for your own task types and
/// add it with <c>builder.Services.AddTaskHandlerModule&lt;YourHandlers&gt;()</c> in <c>Program.cs</c>; every module
/// registered in the container is applied once, when the host starts.
/// </summary>
public interface ITaskHandlerModule
{
    /// <summary>Registers this module's handlers, e.g. <c>registry.Register&lt;Invoice&gt;("invoice.send", SendAsync)</c>.</summary>
    /// <param name="registry">The host's handler registry.</param>
    void Register(TaskHandlerRegistry registry);
}
