using System.Net;
using System.Net.Sockets;

namespace McpFunctions.Tests.Fixtures;

/// <summary>Free TCP ports on 127.0.0.1 and waiting for a listener to appear.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout, Func<bool>? givenUp = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (givenUp?.Invoke() == true)
            {
                throw new InvalidOperationException($"The process that should listen on port {port} exited.");
            }

            if (await IsListeningAsync(port))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Nothing listened on 127.0.0.1:{port} within {timeout}.");
    }

    /// <summary>Whether something accepts TCP connections on 127.0.0.1:<paramref name="port"/> right now.</summary>
    public static async Task<bool> IsListeningAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
