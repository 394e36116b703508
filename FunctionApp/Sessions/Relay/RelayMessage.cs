namespace McpFunctions.Sessions.Relay;

/// <summary>Something one instance asks another to do for a session it holds.</summary>
/// <param name="Kind">One of <see cref="RelayKinds"/>.</param>
/// <param name="SessionId">The session concerned.</param>
/// <param name="Body">The JSON-RPC message, when there is one.</param>
/// <param name="ProtocolVersion">The client's MCP-Protocol-Version header, for replayed HTTP requests.</param>
/// <param name="EnqueuedAt">When the sending instance queued it (for delivery latency).</param>
internal sealed record RelayMessage(string Kind, string SessionId, string? Body, string? ProtocolVersion, DateTimeOffset EnqueuedAt);
