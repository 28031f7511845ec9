using Microsoft.Extensions.Logging;

namespace PgQueue.Lambda.Tests;

// deploy/README.md's "Your own task handlers", kept here so that the samples compile. The runtime would create these
// with the process's environment variables; the tests create Function with explicit ones instead.
public sealed record Invoice(int Number);

public sealed class InvoiceFunction() : Function(new TaskHandlerRegistry()
    .Register<Invoice>("invoice.send", async (task, cancellationToken) =>
    {
        await Task.Delay(1, cancellationToken);
        _ = task.Payload.Number;
    }));

public sealed class LoggingInvoiceFunction() : Function(loggers =>
{
    var logger = loggers.CreateLogger("Billing.Invoices");
    return new TaskHandlerRegistry().Register<Invoice>("invoice.send", (task, _) =>
    {
        logger.LogInformation("Sending invoice {InvoiceNumber}", task.Payload.Number);
        return Task.CompletedTask;
    });
});
