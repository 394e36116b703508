namespace McpFunctions.Sessions.Streams;

/// <summary>One stored SSE event: its id, SSE event type and JSON-RPC payload (null for priming events).</summary>
internal sealed record StoredEvent(string EventId, string? EventType, string? Data, TimeSpan? ReconnectionInterval);
