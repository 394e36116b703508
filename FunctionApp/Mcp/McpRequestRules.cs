using System.Text.Json.Nodes;

namespace McpFunctions.Mcp;

/// <summary>
/// HTTP rules of Streamable HTTP that the SDK does not apply in hybrid session mode, answered before any session is
/// looked up: a DELETE must name its session, and a per-request revision this server does not serve gets -32022.
/// </summary>
internal sealed class McpRequestRules(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!McpRoutes.IsStreamableHttp(request.Path))
        {
            return next(context);
        }

        var requestedVersion = request.Headers[McpHeaders.ProtocolVersion].ToString();
        if (HttpMethods.IsDelete(request.Method) && request.Headers[McpHeaders.SessionId].ToString().Length == 0
            && !ProtocolRevision.IsJuly2026OrLater(requestedVersion))
        {
            return McpResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, McpResponses.RequestRefused,
                "Bad Request: DELETE /mcp ends a session and needs its Mcp-Session-Id header.");
        }

        return HttpMethods.IsPost(request.Method) && requestedVersion.Length > 0 && !ProtocolRevision.IsKnown(requestedVersion)
            ? RefuseUnknownPerRequestVersionAsync(context, requestedVersion)
            : next(context);
    }

    /// <summary>
    /// A request in the per-request form (<c>_meta</c> names its protocol version, as 2026-07-28 clients send) that
    /// names an unknown revision: 400 with UnsupportedProtocolVersion, listing the per-request revisions, which
    /// are the ones <c>server/discover</c> advertises.
    /// </summary>
    /// <remarks>
    /// In hybrid session mode the SDK lists every revision it knows, initialize-era ones included, although such a
    /// client cannot use those without switching to the handshake. Initialize-style requests are left to the SDK.
    /// </remarks>
    private async Task RefuseUnknownPerRequestVersionAsync(HttpContext context, string requestedVersion)
    {
        var request = context.Request;
        var body = await JsonRpcMessages.PeekBodyAsync(request, context.RequestAborted);

        if (body is not JsonObject message
            || message["params"] is not JsonObject parameters
            || parameters["_meta"] is not JsonObject meta
            || !meta.ContainsKey("io.modelcontextprotocol/protocolVersion"))
        {
            await next(context);
            return;
        }

        await McpResponses.WriteErrorAsync(
            context,
            StatusCodes.Status400BadRequest,
            McpResponses.UnsupportedProtocolVersion,
            $"Bad Request: protocol version '{requestedVersion}' is not supported; use one of: {string.Join(", ", ProtocolRevision.PerRequestRevisions)}.",
            id: message["id"],
            data: new JsonObject
            {
                ["supported"] = new JsonArray(ProtocolRevision.PerRequestRevisions.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                ["requested"] = requestedVersion,
            });
    }
}
