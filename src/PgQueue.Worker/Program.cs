using Microsoft.Extensions.Hosting;
using PgQueue.Worker;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddPgQueueWorkerHost();
// Register the handlers of your task types here (see Handlers/ITaskHandlerModule.cs), for example:
// builder.Services.AddTaskHandlerModule<InvoiceHandlers>();

using var host = builder.Build();
await host.RunAsync();
