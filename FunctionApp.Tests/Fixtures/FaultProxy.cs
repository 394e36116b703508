using System.Net;
using System.Net.Sockets;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A TCP proxy on a loopback port in front of one Azurite service, that a test can make misbehave: pass traffic
/// through, refuse it (connections reset at once, as when storage is down), black-hole it (connections accepted, never
/// answered, as when storage hangs), or add latency to each forwarded chunk. Switching mode also cuts the
/// connections already open, so pooled connections see the fault too.
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private volatile FaultMode _mode = FaultMode.Pass;

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

    /// <summary>An Azurite connection string whose Table and Blob endpoints go through these proxies.</summary>
    public static string ConnectionString(FaultProxy tables, FaultProxy blobs) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{blobs.Port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{tables.Port}/devstoreaccount1;";

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
            var up = PumpAsync(client.GetStream(), upstream.GetStream(), cut.Token);
            var down = PumpAsync(upstream.GetStream(), client.GetStream(), cut.Token);
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

    private async Task PumpAsync(Stream from, Stream to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
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
