namespace McpFunctions.Mcp;

/// <summary>The paths MCP clients use: Streamable HTTP, and the legacy HTTP+SSE stream and its message endpoint.</summary>
internal static class McpRoutes
{
    /// <summary>Streamable HTTP (POST, GET and DELETE).</summary>
    public const string StreamableHttp = "/mcp";

    /// <summary>The legacy (2024-11-05) HTTP+SSE stream.</summary>
    public const string LegacySse = "/sse";

    /// <summary>Where legacy HTTP+SSE clients post their messages (the stream's 'endpoint' event names it).</summary>
    public const string LegacyMessage = "/message";

    public static bool IsStreamableHttp(PathString path) => path.Equals(StreamableHttp, StringComparison.Ordinal);

    /// <summary>Any MCP route: errors on these are JSON-RPC errors rather than OAuth-style JSON.</summary>
    public static bool IsAny(PathString path) =>
        path.StartsWithSegments(StreamableHttp) || path.StartsWithSegments(LegacySse) || path.StartsWithSegments(LegacyMessage);
}
