using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP (protobuf) endpoint on 127.0.0.1 that keeps every request it receives on /v1/traces, /v1/metrics
/// and /v1/logs; it also stands in for Application Insights' ingestion endpoint (<c>/v2.1/track</c>, gzipped JSON lines).
/// </summary>
/// <remarks>
/// An <see cref="HttpListener"/>, not Kestrel: the app under test runs in this process, and its ASP.NET Core
/// instrumentation would trace a Kestrel receiver's requests, whose spans would be exported to it again.
/// </remarks>
public sealed class TelemetryReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    private TelemetryReceiver(int port)
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

    /// <summary>Application Insights items (one JSON object per line of each <c>/v2.1/track</c> request).</summary>
    public IEnumerable<JsonNode> TrackedItems => Bodies("/v2.1/track")
        .SelectMany(b => Encoding.UTF8.GetString(b).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        .Select(line => JsonNode.Parse(line)!);

    public static TelemetryReceiver Start() => new(FreePort.Next());

    /// <summary>Polls until <paramref name="condition"/> holds; the timeout only guards against a hang.</summary>
    public async Task<T> WaitForAsync<T>(Func<TelemetryReceiver, T?> condition, string what)
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
            var input = context.Request.Headers["Content-Encoding"] == "gzip"
                ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress)
                : context.Request.InputStream;
            await input.CopyToAsync(body);
            var path = context.Request.Url!.AbsolutePath;
            Received.Enqueue((path, body.ToArray()));
            context.Response.StatusCode = 200;
            if (path.EndsWith("/track", StringComparison.Ordinal))
            {
                // Application Insights' answer: every item accepted.
                var items = Encoding.UTF8.GetString(body.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                var answer = Encoding.UTF8.GetBytes($"{{\"itemsReceived\":{items},\"itemsAccepted\":{items},\"errors\":[]}}");
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(answer);
            }
            else
            {
                // An empty Export*ServiceResponse: full success.
                context.Response.ContentType = "application/x-protobuf";
                context.Response.ContentLength64 = 0;
            }

            context.Response.Close();
        }
    }
}
