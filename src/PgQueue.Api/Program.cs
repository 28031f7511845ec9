using PgQueue.Api;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddPgQueueApi();
// Register the handlers of your task types here (see Handlers/ITaskHandlerModule.cs), for example:
// builder.Services.AddTaskHandlerModule<InvoiceHandlers>();

var app = builder.Build();
app.UsePgQueueApi();
await app.RunAsync();

/// <summary>The API's entry point; public so that tests can host it with <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
