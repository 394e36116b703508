using System.Net.Http.Headers;
using System.Text;

namespace McpFunctions.Tests.Fixtures;

/// <summary>Hand-made MCP HTTP requests, for the cases a well-behaved SDK client never sends.</summary>
public static class McpRequests
{
    public const string AcceptBoth = "application/json, text/event-stream";

    public const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"McpFunctions.Tests","version":"1.0.0"}}}""";

    public const string Initialized = """{"jsonrpc":"2.0","method":"notifications/initialized"}""";

    /// <summary>A POST with a JSON-RPC body; <paramref name="contentType"/> null sends none.</summary>
    public static HttpRequestMessage Post(string path, string body, string? contentType = "application/json", string? accept = AcceptBoth)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return request;
    }

    public static HttpRequestMessage Get(string path, string accept = "text/event-stream")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return request;
    }
}
