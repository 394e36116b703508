namespace McpFunctions.Mcp;

/// <summary>Behaviour that differs by negotiated protocol revision (the SDK keeps its own helpers internal).</summary>
internal static class ProtocolRevision
{
    public const string July2026 = "2026-07-28";

    /// <summary>Revisions negotiated through <c>initialize</c> (sessions), as the SDK serves them.</summary>
    public static readonly string[] HandshakeRevisions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    /// <summary>Revisions that carry their version and capabilities in each request's <c>_meta</c> (no session).</summary>
    public static readonly string[] PerRequestRevisions = [July2026];

    public static bool IsKnown(string version) => HandshakeRevisions.Contains(version) || PerRequestRevisions.Contains(version);

    /// <summary>Revisions are ISO dates, so ordinal order is chronological.</summary>
    public static bool IsJuly2026OrLater(string? version) =>
        version is not null && string.CompareOrdinal(version, July2026) >= 0;

    /// <summary>2026-07-28 reports an unknown resource URI as InvalidParams; earlier revisions use ResourceNotFound.</summary>
    public static McpErrorCode MissingResourceCode(McpServer server) =>
        IsJuly2026OrLater(server.NegotiatedProtocolVersion) ? McpErrorCode.InvalidParams : McpErrorCode.ResourceNotFound;
}
