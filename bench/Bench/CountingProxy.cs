using System.Net;
using System.Net.Sockets;

namespace McpFunctions.Bench;

/// <summary>
/// A TCP proxy in front of one Azurite service that counts the HTTP requests sent through it (each request line, on
/// keep-alive connections too): every one is a billable storage transaction in Azure.
/// </summary>
internal sealed class CountingProxy : IAsyncDisposable
{
    private static readonly byte[] RequestLineEnd = " HTTP/1.1\r\n"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private long _requests;

    private CountingProxy(int target)
    {
        _target = target;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public long Requests => Interlocked.Read(ref _requests);

    public static CountingProxy Start(int targetPort) => new(targetPort);

    /// <summary>An Azurite connection string whose three endpoints go through the given proxies.</summary>
    public static string ConnectionString(CountingProxy blob, CountingProxy queue, CountingProxy table) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{blob.Port}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{queue.Port}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{table.Port}/devstoreaccount1;";

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
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

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                var fromClient = CopyAsync(client.GetStream(), upstream.GetStream(), count: true);
                var toClient = CopyAsync(upstream.GetStream(), client.GetStream(), count: false);
                await Task.WhenAny(fromClient, toClient);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
            }
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool count)
    {
        var buffer = new byte[64 * 1024];
        var matched = 0;
        while (true)
        {
            var read = await from.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            if (count)
            {
                // A request line ends in " HTTP/1.1\r\n"; matching across reads keeps a split line counted once.
                for (var i = 0; i < read; i++)
                {
                    matched = buffer[i] == RequestLineEnd[matched] ? matched + 1 : buffer[i] == RequestLineEnd[0] ? 1 : 0;
                    if (matched == RequestLineEnd.Length)
                    {
                        Interlocked.Increment(ref _requests);
                        matched = 0;
                    }
                }
            }

            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
