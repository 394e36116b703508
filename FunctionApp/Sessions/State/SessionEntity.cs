using Azure;
using Azure.Data.Tables;

namespace McpFunctions.Sessions.State;

/// <summary>
/// One MCP session as a row in the sessions table (PartitionKey = session id, RowKey = "session"). Every
/// instance reads it to migrate or check the session; writers update it under its ETag.
/// </summary>
internal sealed class SessionEntity : ITableEntity
{
    public const string Row = "session";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>"streamable" (/mcp) or "sse" (/sse).</summary>
    public string Transport { get; set; } = SessionTransports.Streamable;

    /// <summary>Caller id (see <see cref="Auth.Caller"/>) of the user who initialized the session.</summary>
    public string OwnerId { get; set; } = "";

    /// <summary>The owner's claims (JSON), to act as the owner when a request is relayed to another instance.</summary>
    public string OwnerClaims { get; set; } = "[]";

    public string ProtocolVersion { get; set; } = "";

    /// <summary>The client's initialize parameters (JSON): capabilities and client info.</summary>
    public string InitializeParams { get; set; } = "{}";

    /// <summary>Level set with logging/setLevel; empty when never set.</summary>
    public string LogLevel { get; set; } = "";

    /// <summary>JSON array of subscribed resource URIs.</summary>
    public string Subscriptions { get; set; } = "[]";

    /// <summary>JSON object: the state bag that the session tools read and write (Features/Session).</summary>
    public string State { get; set; } = "{}";

    /// <summary>Instance holding the session's server-to-client stream (GET /mcp or /sse), if any.</summary>
    public string StreamInstance { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }

    public SessionEntity Clone() => (SessionEntity)MemberwiseClone();
}
