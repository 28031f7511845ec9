using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PgQueue.Lambda;

/// <summary>
/// Writes whole JSON lines to a stream, synchronously, one write per line under a lock, so lines from concurrent
/// writers never interleave.
/// </summary>
/// <remarks>
/// Synchronous on purpose: Lambda freezes the process as soon as the handler returns, so a line still waiting in a
/// background queue (as with the console logger's) would be written late or lost with the environment. And on the
/// process's raw standard output, not <see cref="Console.Out"/>: Lambda's .NET runtime replaces <see cref="Console.Out"/>
/// with a writer that prefixes each line with a timestamp, request id and level, which would break the JSON that
/// CloudWatch Logs Insights parses and the embedded metric format CloudWatch extracts metrics from.
/// </remarks>
internal sealed class JsonLineSink
{
    private static readonly Lazy<JsonLineSink> Stdout = new(() => new JsonLineSink(Console.OpenStandardOutput()));

    // Log lines are read by people and log tools, never embedded in HTML: keep non-ASCII text readable.
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Stream _stream;
    private readonly object _lock = new();

    public JsonLineSink(Stream stream)
    {
        _stream = stream;
    }

    // One sink for the process's standard output, shared by every function instance so their lines never interleave.
    public static JsonLineSink StandardOutput => Stdout.Value;

    public void WriteLine(Action<Utf8JsonWriter> writeObject)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writeObject(writer);
        }

        buffer.Write("\n"u8);
        lock (_lock)
        {
            _stream.Write(buffer.WrittenSpan);
            _stream.Flush();
        }
    }
}
