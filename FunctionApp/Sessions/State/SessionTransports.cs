namespace McpFunctions.Sessions.State;

/// <summary>Values of <see cref="SessionEntity.Transport"/>.</summary>
internal static class SessionTransports
{
    public const string Streamable = "streamable";
    public const string LegacySse = "sse";
}
