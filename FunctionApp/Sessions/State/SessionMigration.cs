using McpFunctions.Auth;
using ModelContextProtocol.AspNetCore;

namespace McpFunctions.Sessions.State;

/// <summary>
/// Lets any instance serve any session: the session row is written when the client initializes, and an
/// instance that meets an unknown session id restores it from the row, if the row is alive and the caller owns it.
/// </summary>
internal sealed class SessionMigration(SessionLifecycle lifecycle, SessionStore sessions, ILogger<SessionMigration> logger) : ISessionMigrationHandler
{
    public async ValueTask OnSessionInitializedAsync(HttpContext context, string sessionId, InitializeRequestParams initializeParams, CancellationToken cancellationToken) =>
        await lifecycle.StartAsync(sessionId, SessionTransports.Streamable, context.User, initializeParams, cancellationToken);

    public async ValueTask<InitializeRequestParams?> AllowSessionMigrationAsync(HttpContext context, string sessionId, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(sessionId, cancellationToken);
        if (session is null || session.Transport != SessionTransports.Streamable || session.OwnerId != Caller.IdOf(context.User))
        {
            return null; // answered exactly like an unknown session (404)
        }

        logger.LogInformation("Session {SessionId} migrated to this instance", sessionId);
        return JsonSerializer.Deserialize(session.InitializeParams, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<InitializeRequestParams>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InitializeRequestParams)));
    }
}
