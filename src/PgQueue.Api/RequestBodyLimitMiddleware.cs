using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace PgQueue.Api;

/// <summary>
/// Rejects a request body over <see cref="PgQueueApiOptions.MaxRequestBodyBytes"/> with 413 before an endpoint reads
/// it: at once when <c>Content-Length</c> says so, otherwise (chunked) after reading at most one byte past the limit
/// into memory. Runs after authorization, so only a caller with a key can make the server read a body.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<PgQueueApiOptions> options)
{
    private readonly long _limit = options.Value.MaxRequestBodyBytes;

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = _limit;
        }

        var request = context.Request;
        if (request.ContentLength is { } length)
        {
            if (length > _limit)
            {
                throw TooLarge();
            }
        }
        else if (request.Headers.TransferEncoding.Count > 0)
        {
            var buffer = new MemoryStream();
            await request.Body.CopyToAsync(new LimitedWriteStream(buffer, _limit), context.RequestAborted).ConfigureAwait(false);
            buffer.Position = 0;
            request.Body = buffer;
            context.Response.RegisterForDisposeAsync(buffer);
        }

        await next(context).ConfigureAwait(false);
    }

    private BadHttpRequestException TooLarge() =>
        new($"The request body is larger than {_limit} bytes.", StatusCodes.Status413PayloadTooLarge);

    // Fails the copy as soon as the body passes the limit, so an endless chunked body costs at most limit + one chunk.
    private sealed class LimitedWriteStream(MemoryStream inner, long limit) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (inner.Length + buffer.Length > limit)
            {
                throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }

            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
