namespace PgQueue;

/// <summary>
/// Registers task handlers into a host's <see cref="TaskHandlerRegistry"/>: the worker host and the HTTP API's
/// <c>POST /process-task</c> run tasks with the handlers of every module registered in their container. Implement it
/// for your own task types and add it with <c>builder.Services.AddTaskHandlerModule&lt;YourHandlers&gt;()</c> in the
/// host's <c>Program.cs</c>; each module is applied once, when the host first needs the registry.
/// </summary>
public interface ITaskHandlerModule
{
    /// <summary>Registers this module's handlers, e.g. <c>registry.Register&lt;Invoice&gt;("invoice.send", SendAsync)</c>.</summary>
    /// <param name="registry">The host's handler registry.</param>
    void Register(TaskHandlerRegistry registry);
}
