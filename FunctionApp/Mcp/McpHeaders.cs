namespace McpFunctions.Mcp;

/// <summary>HTTP headers of the Streamable HTTP transport.</summary>
internal static class McpHeaders
{
    public const string SessionId = "Mcp-Session-Id";
    public const string ProtocolVersion = "MCP-Protocol-Version";
}
