namespace McpFunctions.Sessions.State;

/// <summary>
/// Set by the session gate on a Streamable HTTP request it admitted: the session named by the request (null while
/// the client initializes one). Later steps (the session's streams, its end) act only on admitted requests.
/// </summary>
internal sealed record McpSessionRequest(SessionEntity? Session)
{
    public static readonly McpSessionRequest Initialize = new((SessionEntity?)null);
}
