namespace McpFunctions.Sessions.Relay;

/// <summary>What a relayed message asks the receiving instance to do.</summary>
internal static class RelayKinds
{
    /// <summary>Send a notification on the session's stream, which this instance holds.</summary>
    public const string Notify = "notify";

    /// <summary>A client's POST to /message for a legacy SSE stream held here.</summary>
    public const string SseMessage = "sse-message";

    /// <summary>A client's answer (JSON-RPC response) to a request this instance sent; replayed as POST /mcp.</summary>
    public const string ClientResponse = "client-response";

    /// <summary>The session ended elsewhere: drop cached and in-memory copies, close its streams.</summary>
    public const string SessionEnded = "ended";
}
