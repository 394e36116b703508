namespace McpFunctions.Tests.Fixtures;

/// <summary>The three ways a client reaches the server, for tests that must behave the same over each.</summary>
public enum ClientTransport
{
    /// <summary>Streamable HTTP at /mcp, 2025-11-25: the server keeps a session.</summary>
    Session,

    /// <summary>Streamable HTTP at /mcp, 2026-07-28: served per request, no session.</summary>
    Stateless,

    /// <summary>The 2024-11-05 HTTP+SSE transport at /sse.</summary>
    LegacySse,
}
