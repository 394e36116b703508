using System.Net;
using System.Net.Sockets;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A TCP proxy on a loopback port in front of one Azurite service, that a test can make misbehave: pass traffic
/// through, refuse it (connections reset at once, as when storage is down), black-hole it (connections accepted, never
/// answered, as when storage hangs), or add latency to each forwarded chunk. Switching mode also cuts the
/// connections already open, so pooled connections see the fault too. It also counts the HTTP requests sent through
/// it (the bench's count of storage transactions).
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private static readonly byte[] RequestLineEnd = " HTTP/1.1\r\n"u8.ToArray();

    private volatile FaultMode _mode = FaultMode.Pass;
    private long _requests;

    private FaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Delay added before each forwarded chunk in <see cref="FaultMode.Pass"/>.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>Connections accepted so far (to show that traffic really went through the proxy).</summary>
    public int Connections;

    /// <summary>HTTP requests forwarded so far: each request line, on keep-alive connections too.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    public FaultMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            lock (_open)
            {
                foreach (var client in _open)
                {
                    client.Dispose();
                }

                _open.Clear();
            }
        }
    }

    public static FaultProxy Start(int targetPort) => new(targetPort);

    /// <summary>An Azurite connection string whose endpoints go through these proxies (the Queue service too, if given).</summary>
    public static string ConnectionString(FaultProxy tables, FaultProxy blobs, FaultProxy? queues = null) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{blobs.Port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{tables.Port}/devstoreaccount1;" +
        (queues is null ? "" : $"QueueEndpoint=http://127.0.0.1:{queues.Port}/devstoreaccount1;");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Mode = FaultMode.Refuse;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            Interlocked.Increment(ref Connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        switch (_mode)
        {
            case FaultMode.Refuse:
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                return;
            case FaultMode.BlackHole:
                Track(client);
                return;
        }

        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            Track(client);
            Track(upstream);
            using var cut = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), upstream.GetStream(), countRequests: true, cut.Token);
            var down = PumpAsync(upstream.GetStream(), client.GetStream(), countRequests: false, cut.Token);
            await Task.WhenAny(up, down);
            await cut.CancelAsync();
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    private async Task PumpAsync(Stream from, Stream to, bool countRequests, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        var matched = 0;
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                // A request line ends in " HTTP/1.1\r\n"; matching across reads counts a split line once.
                for (var i = 0; countRequests && i < read; i++)
                {
                    matched = buffer[i] == RequestLineEnd[matched] ? matched + 1 : buffer[i] == RequestLineEnd[0] ? 1 : 0;
                    if (matched == RequestLineEnd.Length)
                    {
                        Interlocked.Increment(ref _requests);
                        matched = 0;
                    }
                }

                if (Latency > TimeSpan.Zero)
                {
                    await Task.Delay(Latency, cancellationToken);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void Track(TcpClient client)
    {
        lock (_open)
        {
            _open.Add(client);
        }
    }
}

/// <summary>What a <see cref="FaultProxy"/> does with traffic.</summary>
public enum FaultMode
{
    Pass,
    Refuse,
    BlackHole,
}
