using System.Text.Json;

namespace PgQueue.Lambda;

/// <summary>
/// What one invocation was asked to do, read from its input: a scheduled event (EventBridge / CloudWatch Events; its
/// fields are ignored), an empty input, or a JSON object <c>{"preferredBatchId": "...", "workerId": "..."}</c> (both
/// optional), as a schedule's <c>Input</c> or a direct invocation sends it.
/// </summary>
/// <param name="PreferredBatchId">The batch to claim first, or <see langword="null"/> for the configured one.</param>
/// <param name="WorkerId">The worker id to claim as, or <see langword="null"/> for this execution environment's.</param>
public sealed record InvocationRequest(string? PreferredBatchId, string? WorkerId)
{
    /// <summary>The request of an empty input or a plain scheduled event.</summary>
    public static InvocationRequest Default { get; } = new(null, null);

    /// <summary>Reads a request from an invocation's input.</summary>
    /// <param name="input">The input's UTF-8 bytes; empty, whitespace or <c>null</c> mean <see cref="Default"/>.</param>
    /// <param name="request">The request, when the input is valid.</param>
    /// <param name="error">What is wrong with the input, when it is not.</param>
    /// <returns><see langword="true"/> if the input is valid.</returns>
    public static bool TryParse(ReadOnlyMemory<byte> input, out InvocationRequest? request, out string? error)
    {
        request = null;
        error = null;
        if (input.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            request = Default;
            return true;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(input, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException exception)
        {
            error = $"invalid JSON input: {exception.Message}";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null)
            {
                request = Default;
                return true;
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the input must be a JSON object: a scheduled event or {\"preferredBatchId\": \"...\", \"workerId\": \"...\"}, " +
                    $"got a JSON {root.ValueKind.ToString().ToLowerInvariant()}";
                return false;
            }

            if (!TryReadText(root, "preferredBatchId", out var preferredBatchId, out error)
                || !TryReadText(root, "workerId", out var workerId, out error))
            {
                return false;
            }

            request = new InvocationRequest(preferredBatchId, workerId);
            return true;
        }
    }

    // Property names match case-insensitively: people type these inputs by hand.
    private static bool TryReadText(JsonElement root, string name, out string? value, out string? error)
    {
        value = null;
        error = null;
        foreach (var property in root.EnumerateObject())
        {
            if (!property.NameEquals(name) && !string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Null:
                    value = null;
                    break;
                case JsonValueKind.String when property.Value.GetString() is { Length: > 0 } text:
                    value = text;
                    break;
                case JsonValueKind.String:
                    error = $"\"{name}\" is empty: give a value or leave it out";
                    return false;
                default:
                    error = $"\"{name}\" must be a string, got a JSON {property.Value.ValueKind.ToString().ToLowerInvariant()}";
                    return false;
            }
        }

        return true;
    }
}
