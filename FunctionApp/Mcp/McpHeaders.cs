namespace McpFunctions.Mcp;

/// <summary>HTTP headers of the Streamable HTTP transport.</summary>
internal static class McpHeaders
{
    public const string SessionId = "Mcp-Session-Id";
    public const string ProtocolVersion = "MCP-Protocol-Version";

    /// <summary>The 2026-07-28 transport repeats the request's method here.</summary>
    public const string Method = "Mcp-Method";
}
