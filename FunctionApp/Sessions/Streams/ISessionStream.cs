namespace McpFunctions.Sessions.Streams;

/// <summary>A server-to-client stream of one session that this instance holds open.</summary>
internal interface ISessionStream
{
    /// <summary>Closes the stream (the session ended, or a newer stream replaced it).</summary>
    void Close();
}
