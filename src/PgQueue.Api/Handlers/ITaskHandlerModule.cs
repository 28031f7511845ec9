namespace PgQueue.Api.Handlers;

/// <summary>
/// Registers task handlers into the registry that <c>POST /process-task</c> runs tasks with. Implement it for your own
/// task types and add it with <c>builder.Services.AddTaskHandlerModule&lt;YourHandlers&gt;()</c> in <c>Program.cs</c>;
/// every module registered in the container is applied once, at the first request that needs the registry.
/// </summary>
public interface ITaskHandlerModule
{
    /// <summary>Registers this module's handlers, e.g. <c>registry.Register&lt;Invoice&gt;("invoice.send", SendAsync)</c>.</summary>
    /// <param name="registry">The API's handler registry.</param>
    void Register(TaskHandlerRegistry registry);
}
