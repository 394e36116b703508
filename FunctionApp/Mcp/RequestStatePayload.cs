namespace McpFunctions.Mcp;

/// <summary>What a sealed MRTR request state vouches for: the tool, the caller, and what the user is asked to confirm.</summary>
internal sealed record RequestStatePayload(string Tool, string CallerId, string Subject, DateTimeOffset IssuedAt = default);
