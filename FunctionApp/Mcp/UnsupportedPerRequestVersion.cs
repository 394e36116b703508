using System.Text.Json;
using System.Text.Json.Nodes;

namespace McpFunctions.Mcp;

/// <summary>
/// Answers a request that uses the per-request metadata form (<c>_meta</c> with a protocol version, as 2026-07-28
/// clients send) but names a revision this server does not know: 400 with UnsupportedProtocolVersion (-32022),
/// listing the per-request revisions, which are the ones <c>server/discover</c> advertises.
/// </summary>
/// <remarks>
/// In hybrid session mode the SDK lists every revision it knows, initialize-era ones included, although such a
/// client cannot use those without switching to the handshake. Initialize-style requests are left to the SDK.
/// </remarks>
public static class UnsupportedPerRequestVersion
{
    public static async Task<bool> TryAnswerAsync(HttpContext context, string requestedVersion)
    {
        var request = context.Request;
        request.EnableBuffering();
        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            body = null;
        }
        finally
        {
            request.Body.Position = 0;
        }

        if (body is not JsonObject message
            || message["params"] is not JsonObject parameters
            || parameters["_meta"] is not JsonObject meta
            || !meta.ContainsKey("io.modelcontextprotocol/protocolVersion"))
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        var error = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = message["id"]?.DeepClone(),
            ["error"] = new JsonObject
            {
                ["code"] = -32022,
                ["message"] = $"Bad Request: protocol version '{requestedVersion}' is not supported; use one of: {string.Join(", ", ProtocolRevision.PerRequestRevisions)}.",
                ["data"] = new JsonObject
                {
                    ["supported"] = new JsonArray(ProtocolRevision.PerRequestRevisions.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                    ["requested"] = requestedVersion,
                },
            },
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(error.ToJsonString(), context.RequestAborted);
        return true;
    }
}
