using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace McpFunctions.Bench;

/// <summary>
/// Prebuilt Streamable HTTP requests, so the load generator spends its time waiting for the server rather
/// than serializing JSON: a 2026-07-28 stateless call (per-request <c>_meta</c> and the Mcp-Method/Mcp-Name
/// headers) and a 2025-11-25 call inside a session (Mcp-Session-Id from an initialize handshake).
/// </summary>
internal static class McpWire
{
    public const string SessionRevision = "2025-11-25";
    public const string StatelessRevision = "2026-07-28";

    private const string StatelessMeta =
        "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{},\"io.modelcontextprotocol/clientInfo\":{\"name\":\"bench\",\"version\":\"1.0.0\"}}";

    private static readonly byte[] StatelessCallBody = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calculator_add","arguments":{"a":1,"b":2},""" + StatelessMeta + "}}");

    private static readonly byte[] StatelessListBody = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{""" + StatelessMeta + "}}");

    private static readonly byte[] SessionCallBody = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"calculator_add","arguments":{"a":1,"b":2}}}""");

    private static readonly byte[] InitializeBody = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1.0.0"}}}""");

    private static readonly byte[] InitializedBody = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","method":"notifications/initialized"}""");

    private static readonly byte[] ResultMarker = "\"result\""u8.ToArray();
    private static readonly byte[] ToolErrorMarker = "\"isError\":true"u8.ToArray();

    /// <summary>The answer calculator_add gives for a = 1, b = 2, as it appears in the text content.</summary>
    public static ReadOnlySpan<byte> ExpectedSum => "\"text\":\"3\""u8;

    public static HttpRequestMessage StatelessCall(Uri endpoint)
    {
        var request = Post(endpoint, StatelessCallBody, StatelessRevision);
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", "calculator_add");
        return request;
    }

    public static HttpRequestMessage StatelessList(Uri endpoint)
    {
        var request = Post(endpoint, StatelessListBody, StatelessRevision);
        request.Headers.Add("Mcp-Method", "tools/list");
        return request;
    }

    public static HttpRequestMessage SessionCall(Uri endpoint, string sessionId)
    {
        var request = Post(endpoint, SessionCallBody, SessionRevision);
        request.Headers.Add("Mcp-Session-Id", sessionId);
        return request;
    }

    /// <summary>Runs the initialize handshake and returns the session id the server minted.</summary>
    public static async Task<string> StartSessionAsync(HttpClient http, Uri endpoint, CancellationToken cancellationToken, string? bearer = null)
    {
        using var initialize = Post(endpoint, InitializeBody, revision: null);
        if (bearer is not null)
        {
            initialize.Headers.TryAddWithoutValidation("Authorization", bearer);
        }

        using var response = await http.SendAsync(initialize, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode || !IsResult(body)
            || !response.Headers.TryGetValues("Mcp-Session-Id", out var ids) || ids.FirstOrDefault() is not { Length: > 0 } sessionId)
        {
            throw new InvalidOperationException($"initialize failed: {(int)response.StatusCode} {Encoding.UTF8.GetString(body)}");
        }

        using var initialized = Post(endpoint, InitializedBody, SessionRevision);
        initialized.Headers.Add("Mcp-Session-Id", sessionId);
        if (bearer is not null)
        {
            initialized.Headers.TryAddWithoutValidation("Authorization", bearer);
        }

        using var ack = await http.SendAsync(initialized, cancellationToken);
        if (!ack.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"notifications/initialized failed: {(int)ack.StatusCode}");
        }

        return sessionId;
    }

    /// <summary>
    /// One 2026-07-28 request built on the spot, for the measures that are not load: <paramref name="paramsObject"/> is
    /// the params object without <c>_meta</c>, <paramref name="name"/> the <c>Mcp-Name</c> header. Returns the parsed
    /// JSON-RPC message; throws unless it is a result.
    /// </summary>
    public static async Task<JsonElement> RequestAsync(HttpClient http, Uri endpoint, string method, string paramsObject, string? name, string capabilities = "{}")
    {
        var meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientInfo\":{\"name\":\"bench\",\"version\":\"1.0.0\"},\"io.modelcontextprotocol/clientCapabilities\":" + capabilities + "}";
        var inner = paramsObject.Trim()[1..^1].Trim();
        var parameters = "{" + (inner.Length > 0 ? inner + "," : "") + meta + "}";
        var body = Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""");
        using var request = Post(endpoint, body, StatelessRevision);
        request.Headers.Add("Mcp-Method", method);
        if (name is not null)
        {
            request.Headers.Add("Mcp-Name", name);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).First(d => d.Length > 0)
            : text;
        var message = JsonDocument.Parse(json).RootElement.Clone();
        if (!message.TryGetProperty("result", out _))
        {
            throw new InvalidOperationException($"{method} failed: {text}");
        }

        return message;
    }

    /// <summary>Waits until a stateless tools/list is answered (at most 60 s, and not once the process has exited).</summary>
    public static async Task WaitUntilAnsweringAsync(HttpClient http, Uri endpoint, ChildProcess process)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await RequestAsync(http, endpoint, "tools/list", "{}", null);
                return;
            }
            catch (Exception) when (!process.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>True when the response carries a JSON-RPC result that is not a tool error.</summary>
    public static bool IsResult(ReadOnlySpan<byte> body) =>
        body.IndexOf(ResultMarker) >= 0 && body.IndexOf(ToolErrorMarker) < 0;

    private static HttpRequestMessage Post(Uri endpoint, byte[] body, string? revision)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (revision is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", revision);
        }

        return request;
    }
}
