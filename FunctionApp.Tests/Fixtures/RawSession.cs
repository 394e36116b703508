using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using McpFunctions.Sessions.Cluster;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// A 2025-11-25 session driven by hand over HTTP, so a test can choose which instance each request goes to and
/// see every SSE event (with its id) and which instance answered.
/// </summary>
public sealed class RawSession(HttpClient http, string sessionId, string? localDeveloper)
{
    public const string Revision = "2025-11-25";
    public const string InstanceHeader = "X-McpFunctions-Instance";

    private int _nextId = 100;

    public string SessionId => sessionId;

    public static async Task<RawSession> InitializeAsync(HttpClient http, Uri baseAddress, string? localDeveloper = null, JsonObject? capabilities = null)
    {
        var initialize = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "initialize",
            ["params"] = new JsonObject
            {
                ["protocolVersion"] = Revision,
                ["capabilities"] = capabilities ?? new JsonObject(),
                ["clientInfo"] = new JsonObject { ["name"] = "McpFunctions.Tests.Raw", ["version"] = "1.0.0" },
            },
        };
        using var request = Request(HttpMethod.Post, new Uri(baseAddress, "/mcp"), null, localDeveloper, initialize.ToJsonString());
        using var response = await http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var sessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        await response.Content.ReadAsStringAsync();

        var session = new RawSession(http, sessionId, localDeveloper);
        using var initialized = await session.SendAsync(baseAddress, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        Assert.That(initialized.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        return session;
    }

    /// <summary>Calls a tool on the given instance (or the proxy) and returns its result and the answering instance.</summary>
    public async Task<(JsonElement Result, string? Instance)> CallToolAsync(Uri baseAddress, string tool, object? arguments = null, string? asUser = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var body = JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method = "tools/call", @params = new { name = tool, arguments = arguments ?? new { } } });
        using var response = await SendAsync(baseAddress, body, asUser);
        var instance = response.Headers.TryGetValues(InstanceHeader, out var values) ? values.Single() : null;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), $"{tool} on {baseAddress}: {await response.Content.ReadAsStringAsync()}");
        var events = await ReadEventsAsync(response);
        var reply = events.Select(e => e.Message).Single(m => m.TryGetProperty("id", out var replyId) && replyId.ValueKind == JsonValueKind.Number && replyId.GetInt32() == id);
        Assert.That(reply.TryGetProperty("result", out var result), Is.True, reply.ToString());
        return (result, instance);
    }

    public async Task<HttpResponseMessage> SendAsync(Uri baseAddress, string body, string? asUser = null, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Post, new Uri(baseAddress, "/mcp"), sessionId, asUser ?? localDeveloper, body);
        return await http.SendAsync(request, completion, cancellationToken);
    }

    public HttpRequestMessage Get(Uri baseAddress, string? lastEventId = null, string? asUser = null)
    {
        var request = Request(HttpMethod.Get, new Uri(baseAddress, "/mcp"), sessionId, asUser ?? localDeveloper, body: null);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return request;
    }

    public async Task<HttpStatusCode> DeleteAsync(Uri baseAddress)
    {
        using var request = Request(HttpMethod.Delete, new Uri(baseAddress, "/mcp"), sessionId, localDeveloper, body: null);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Every SSE event of a finished response (plain JSON bodies count as one event without id).</summary>
    public static async Task<IReadOnlyList<(string? Id, JsonElement Message)>> ReadEventsAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return [(null, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone())];
        }

        var events = new List<(string?, JsonElement)>();
        await foreach (var item in SseParser.Create(await response.Content.ReadAsStreamAsync()).EnumerateAsync())
        {
            if (!string.IsNullOrWhiteSpace(item.Data))
            {
                events.Add((item.EventId, JsonDocument.Parse(item.Data).RootElement.Clone()));
            }
        }

        return events;
    }

    private static HttpRequestMessage Request(HttpMethod method, Uri url, string? sessionId, string? localDeveloper, string? body)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", Revision);
        }

        if (localDeveloper is not null)
        {
            request.Headers.Add("X-Local-Developer", localDeveloper);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        return request;
    }
}
