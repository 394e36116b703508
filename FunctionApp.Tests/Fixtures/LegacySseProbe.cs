using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A raw legacy SSE session: a GET /sse stream held by one instance, and JSON-RPC messages posted to its
/// /message endpoint on any instance, timed until their reply arrives on the stream.
/// </summary>
public sealed class LegacySseProbe : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _stream;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private LegacySseProbe(HttpClient http, HttpResponseMessage stream, IAsyncEnumerator<SseItem<string>> events, string endpoint)
    {
        _http = http;
        _stream = stream;
        _events = events;
        Endpoint = endpoint;
    }

    /// <summary>The /message path (with its session id) from the stream's 'endpoint' event.</summary>
    public string Endpoint { get; }

    /// <summary>Opens the stream on <paramref name="holder"/>, initializes the session there and returns once it is ready.</summary>
    public static async Task<LegacySseProbe> OpenAsync(HttpClient http, Uri holder, string clientName)
    {
        var stream = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(holder, "/sse")) { Headers = { { "Accept", "text/event-stream" } } }, HttpCompletionOption.ResponseHeadersRead);
        var events = SseParser.Create(await stream.Content.ReadAsStreamAsync()).EnumerateAsync().GetAsyncEnumerator();
        Assert.That(await events.MoveNextAsync() && events.Current.EventType == "endpoint", Is.True, "the stream starts with its endpoint event");
        var probe = new LegacySseProbe(http, stream, events, events.Current.Data);

        await probe.RoundTripAsync(holder, 1, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":""" + JsonSerializer.Serialize(clientName) + ""","version":"1"}}}""");
        using (await probe.PostAsync(holder, """{"jsonrpc":"2.0","method":"notifications/initialized"}"""))
        {
        }

        return probe;
    }

    /// <summary>Posts a ping with <paramref name="id"/> to <paramref name="target"/>; milliseconds until its reply came on the stream.</summary>
    public Task<double> PingAsync(Uri target, int id) => RoundTripAsync(target, id, $$"""{"jsonrpc":"2.0","id":{{id}},"method":"ping"}""");

    /// <summary>Posts <paramref name="body"/> (a request with <paramref name="id"/>); milliseconds until its reply came on the stream.</summary>
    public async Task<double> RoundTripAsync(Uri target, int id, string body)
    {
        var clock = Stopwatch.StartNew();
        using (var post = await PostAsync(target, body))
        {
            Assert.That(post.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        while (await _events.MoveNextAsync())
        {
            if (!string.IsNullOrEmpty(_events.Current.Data) && JsonDocument.Parse(_events.Current.Data).RootElement.TryGetProperty("id", out var replyId) && replyId.GetInt32() == id)
            {
                return clock.Elapsed.TotalMilliseconds;
            }
        }

        throw new AssertionException("The stream ended before the reply.");
    }

    public async ValueTask DisposeAsync()
    {
        await _events.DisposeAsync();
        _stream.Dispose();
    }

    private Task<HttpResponseMessage> PostAsync(Uri target, string body) =>
        _http.PostAsync(new Uri(target, Endpoint), new StringContent(body, Encoding.UTF8, "application/json"));
}
