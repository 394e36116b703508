using System.Text.Json;

namespace McpFunctions.Tests.Fixtures;

/// <summary>A JSON-RPC message read from an HTTP response, whether sent as plain JSON or as one SSE event.</summary>
public sealed class JsonRpcReply
{
    private JsonRpcReply(HttpResponseMessage response, string body, JsonElement message)
    {
        Response = response;
        Body = body;
        Message = message;
    }

    public HttpResponseMessage Response { get; }

    public string Body { get; }

    public JsonElement Message { get; }

    public int ErrorCode => Message.GetProperty("error").GetProperty("code").GetInt32();

    public string ErrorMessage => Message.GetProperty("error").GetProperty("message").GetString() ?? "";

    public bool IsError => Message.TryGetProperty("error", out _);

    /// <summary>Reads the body (which must end: no long-lived streams here) and checks it reveals no internals.</summary>
    public static async Task<JsonRpcReply> ReadAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        ResponseBody.AssertRevealsNoInternals(body);
        var json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            // Skip priming events (an id with empty data), which resumable streams send first.
            ? body.Split('\n').Select(l => l.TrimEnd('\r'))
                .Where(l => l.StartsWith("data:", StringComparison.Ordinal))
                .Select(l => l["data:".Length..].Trim())
                .FirstOrDefault(d => d.Length > 0)
            : body;
        Assert.That(json, Is.Not.Null.And.Not.Empty, $"HTTP {(int)response.StatusCode} carried no JSON-RPC message:\n{body}");
        using var document = JsonDocument.Parse(json!);
        var message = document.RootElement.Clone();
        Assert.That(message.GetProperty("jsonrpc").GetString(), Is.EqualTo("2.0"), body);
        return new JsonRpcReply(response, body, message);
    }
}
