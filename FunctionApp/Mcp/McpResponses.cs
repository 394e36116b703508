using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;

namespace McpFunctions.Mcp;

/// <summary>
/// The one writer of the JSON-RPC error bodies and server-sent event streams that the app answers itself, before or
/// beside the SDK (the SDK's own writer is not public).
/// </summary>
internal static class McpResponses
{
    /// <summary>A request refused before it reached a session or a tool (the JSON-RPC "server error" code).</summary>
    public const int RequestRefused = -32000;

    /// <summary>The session ended, expired, never existed or belongs to someone else.</summary>
    public const int SessionNotFound = -32001;

    /// <summary>The request names a protocol revision this server does not serve.</summary>
    public const int UnsupportedProtocolVersion = -32022;

    public static Task WriteErrorAsync(HttpContext context, int status, int code, string message, JsonNode? id = null, JsonObject? data = null)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message };
        if (data is not null)
        {
            error["data"] = data;
        }

        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        return response.WriteAsJsonAsync<JsonNode>(new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id?.DeepClone(),
            ["error"] = error,
        }, context.RequestAborted);
    }

    public static Task WriteSessionNotFoundAsync(HttpContext context, string message) =>
        WriteErrorAsync(context, StatusCodes.Status404NotFound, SessionNotFound, message);

    /// <summary>
    /// Starts a server-sent event stream: no caching, no compression and no buffering on the way (proxies such as
    /// nginx buffer unless told otherwise), so each event reaches the client as it is written.
    /// </summary>
    public static void StartEventStream(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentType = "text/event-stream";
        headers.CacheControl = "no-cache,no-store";
        headers.ContentEncoding = "identity";
        headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();
    }
}
