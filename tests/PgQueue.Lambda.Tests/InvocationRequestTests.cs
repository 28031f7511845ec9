using System.Text;
using PgQueue.Lambda.Tests.Infrastructure;
using Xunit;

namespace PgQueue.Lambda.Tests;

public sealed class InvocationRequestTests
{
    [Theory]
    [InlineData(LambdaHarness.ScheduledEvent)]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("null")]
    [InlineData("{}")]
    public void TryParse_takes_a_scheduled_event_or_an_empty_input_as_the_defaults(string input)
    {
        Assert.True(InvocationRequest.TryParse(Encoding.UTF8.GetBytes(input), out var request, out var error));
        Assert.Null(error);
        Assert.Equal(InvocationRequest.Default, request);
    }

    [Fact]
    public void TryParse_reads_the_preferred_batch_and_worker_id()
    {
        Assert.True(InvocationRequest.TryParse("""{"preferredBatchId": "customer-42", "WorkerId": "w-1", "other": [1]}"""u8.ToArray(), out var request, out _));
        Assert.Equal(new InvocationRequest("customer-42", "w-1"), request);
    }

    [Theory]
    [InlineData("{", "invalid JSON input")]
    [InlineData("{\"preferredBatchId\": \"A\"", "invalid JSON input")]
    [InlineData("{} {}", "invalid JSON input")]
    [InlineData("[1, 2]", "must be a JSON object")]
    [InlineData("42", "must be a JSON object")]
    [InlineData("\"A\"", "must be a JSON object")]
    [InlineData("{\"preferredBatchId\": 5}", "\"preferredBatchId\" must be a string, got a JSON number")]
    [InlineData("{\"workerId\": {\"name\": \"x\"}}", "\"workerId\" must be a string, got a JSON object")]
    [InlineData("{\"workerId\": \"\"}", "\"workerId\" is empty")]
    public void TryParse_rejects_invalid_input_with_a_clear_error(string input, string expected)
    {
        Assert.False(InvocationRequest.TryParse(Encoding.UTF8.GetBytes(input), out var request, out var error));
        Assert.Null(request);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
