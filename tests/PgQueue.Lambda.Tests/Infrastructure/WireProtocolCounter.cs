using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PgQueue.Lambda.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in front of PostgreSQL that reads the client's side of the wire protocol and counts round trips: every
/// Sync (extended protocol: the client then waits for ReadyForQuery) and every simple Query. Whatever a driver sends
/// (its own reset, type loading, a retried command) is counted, which a counter inside the process could miss.
/// </summary>
public sealed class WireProtocolCounter : IAsyncDisposable
{
    private const int SslRequestCode = 80877103;
    private const int GssEncRequestCode = 80877104;
    private const int CancelRequestCode = 80877102;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<Task> _pumps = [];
    private readonly ConcurrentQueue<string> _simpleQueries = new();
    private readonly ConcurrentBag<TcpClient> _sockets = [];
    private readonly Task _accepting;
    private int _syncs;
    private int _queries;
    private int _connections;

    public WireProtocolCounter(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Round trips since the last <see cref="Reset"/>: Syncs plus simple Queries.</summary>
    public int RoundTrips => Volatile.Read(ref _syncs) + Volatile.Read(ref _queries);

    /// <summary>Simple-protocol queries since the last <see cref="Reset"/> (a driver's DISCARD ALL would be one).</summary>
    public int SimpleQueries => Volatile.Read(ref _queries);

    /// <summary>The text of those simple queries.</summary>
    public IReadOnlyList<string> SimpleQueryTexts => [.. _simpleQueries];

    /// <summary>Connections opened through the proxy since the last <see cref="Reset"/>.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public void Reset()
    {
        Interlocked.Exchange(ref _syncs, 0);
        Interlocked.Exchange(ref _queries, 0);
        Interlocked.Exchange(ref _connections, 0);
        _simpleQueries.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(_pumps).ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            var server = new TcpClient { NoDelay = true };
            client.NoDelay = true;
            _sockets.Add(client);
            _sockets.Add(server);
            _pumps.Add(RelayAsync(client, server));
        }
    }

    private async Task RelayAsync(TcpClient client, TcpClient server)
    {
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stopping.Token);
            var clientStream = client.GetStream();
            var serverStream = server.GetStream();
            var toClient = serverStream.CopyToAsync(clientStream, _stopping.Token);
            var toServer = ForwardClientMessagesAsync(clientStream, serverStream, _stopping.Token);
            await Task.WhenAny(toClient, toServer);
        }
        catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task ForwardClientMessagesAsync(Stream client, Stream server, CancellationToken cancellationToken)
    {
        var header = new byte[5];
        // Before the startup message: untyped packets (length, code), e.g. SSLRequest, which the server answers with 'N'.
        while (true)
        {
            await client.ReadExactlyAsync(header.AsMemory(0, 4), cancellationToken);
            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var body = new byte[length - 4];
            await client.ReadExactlyAsync(body, cancellationToken);
            await server.WriteAsync(header.AsMemory(0, 4), cancellationToken);
            await server.WriteAsync(body, cancellationToken);
            var code = BinaryPrimitives.ReadInt32BigEndian(body);
            if (code == CancelRequestCode)
            {
                return;
            }

            if (code is not (SslRequestCode or GssEncRequestCode))
            {
                break;
            }
        }

        while (true)
        {
            await client.ReadExactlyAsync(header, cancellationToken);
            var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1));
            var body = new byte[length - 4];
            await client.ReadExactlyAsync(body, cancellationToken);
            switch ((char)header[0])
            {
                case 'S':
                    Interlocked.Increment(ref _syncs);
                    break;
                case 'Q':
                    Interlocked.Increment(ref _queries);
                    _simpleQueries.Enqueue(Encoding.UTF8.GetString(body).TrimEnd('\0'));
                    break;
            }

            await server.WriteAsync(header, cancellationToken);
            await server.WriteAsync(body, cancellationToken);
            if (header[0] == (byte)'X')
            {
                return;
            }
        }
    }
}
