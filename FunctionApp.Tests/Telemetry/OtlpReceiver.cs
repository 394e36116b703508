using System.Collections.Concurrent;
using System.Net;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP (protobuf) endpoint on 127.0.0.1 that keeps every request it receives on /v1/traces, /v1/metrics
/// and /v1/logs.
/// </summary>
/// <remarks>
/// An <see cref="HttpListener"/>, not Kestrel: the app under test runs in this process, and its ASP.NET Core
/// instrumentation would trace a Kestrel receiver's requests, whose spans would be exported to it again.
/// </remarks>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    private OtlpReceiver(int port)
    {
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        _listener.Prefixes.Add($"{Endpoint}");
        _listener.Start();
        _loop = Task.Run(ReceiveAsync);
    }

    public Uri Endpoint { get; }

    /// <summary>Every request body received, by path.</summary>
    public ConcurrentQueue<(string Path, byte[] Body)> Received { get; } = new();

    public IEnumerable<ReceivedSpan> Spans => Bodies("/v1/traces").SelectMany(b => ReceivedSpan.Decode(b));

    public IEnumerable<ReceivedMetricPoint> MetricPoints => Bodies("/v1/metrics").SelectMany(b => ReceivedMetricPoint.Decode(b));

    public IEnumerable<ReceivedLog> Logs => Bodies("/v1/logs").SelectMany(b => ReceivedLog.Decode(b));

    public static OtlpReceiver Start() => new(FreePort.Next());

    /// <summary>Polls until <paramref name="condition"/> holds; the timeout only guards against a hang.</summary>
    public async Task<T> WaitForAsync<T>(Func<OtlpReceiver, T?> condition, string what)
        where T : class
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (condition(this) is { } found)
            {
                return found;
            }

            try
            {
                await Task.Delay(50, timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Not exported within 60 s: {what}. Received: {string.Join(", ", Received.Select(r => r.Path))}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private IEnumerable<byte[]> Bodies(string path) => Received.Where(r => r.Path == path).Select(r => r.Body).ToList();

    private async Task ReceiveAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Received.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
            // An empty Export*ServiceResponse: full success.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.ContentLength64 = 0;
            context.Response.Close();
        }
    }
}
