#pragma warning disable MCP9005 // Logging is deprecated in 2026-07-28 but is how 2025-11-25 sessions receive server logs.

namespace McpFunctions.Sessions.State;

/// <summary>
/// Log messages for the client (<c>notifications/message</c>), filtered by the level the session set with
/// <c>logging/setLevel</c>. The level lives on the session row, so the filter holds on every instance.
/// </summary>
internal sealed class ClientLog(SessionStore sessions)
{
    /// <summary>Messages below this level are not sent until the client chooses a level.</summary>
    public const LoggingLevel DefaultLevel = LoggingLevel.Info;

    /// <summary><c>logging/setLevel</c>: stores the level on the session row.</summary>
    public static async ValueTask<EmptyResult> SetLevelAsync(RequestContext<SetLevelRequestParams> request, CancellationToken cancellationToken)
    {
        var level = request.Params?.Level ?? throw new McpProtocolException("'level' is required.", McpErrorCode.InvalidParams);
        if (request.Server.SessionId is { Length: > 0 } sessionId)
        {
            var text = JsonSerializer.Serialize(level, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(LoggingLevel))).Trim('"');
            _ = await request.Services!.GetRequiredService<SessionStore>().UpdateAsync(sessionId, session =>
            {
                if (session.LogLevel == text)
                {
                    return false;
                }

                session.LogLevel = text;
                return true;
            }, cancellationToken) ?? throw new McpProtocolException("The session has ended or expired.", McpErrorCode.InvalidRequest);
        }

        return new EmptyResult();
    }

    /// <summary>
    /// The level below which messages are dropped: the session's level (fresh: it may just have been set through
    /// another instance), else <see cref="DefaultLevel"/>. A 2026-07-28 request has no session and names its own
    /// level in <c>_meta</c>; without one it gets no log messages at all. Null means "send nothing".
    /// </summary>
    public async Task<LoggingLevel?> LevelAsync(MessageContext request, CancellationToken cancellationToken)
    {
        if (request.Server.SessionId is not { Length: > 0 } sessionId)
        {
            return request.JsonRpcMessage.Context?.LogLevel;
        }

        if (await sessions.GetAsync(sessionId, cancellationToken, fresh: true) is not { LogLevel.Length: > 0 } session)
        {
            return DefaultLevel;
        }

        return JsonSerializer.Deserialize($"\"{session.LogLevel}\"", (System.Text.Json.Serialization.Metadata.JsonTypeInfo<LoggingLevel>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(LoggingLevel)));
    }

    /// <summary>Sends the message on the current request's stream if its level passes the filter; returns whether it was sent.</summary>
    public async Task<bool> SendAsync(MessageContext request, LoggingLevel level, string logger, string message, CancellationToken cancellationToken)
    {
        if (await LevelAsync(request, cancellationToken) is not { } threshold || level < threshold)
        {
            return false;
        }

        await request.Server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = level, Logger = logger, Data = JsonSerializer.SerializeToElement(message, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(string))) },
            cancellationToken: cancellationToken);
        return true;
    }
}
