using McpFunctions.Auth;
using McpFunctions.Sessions.State;

namespace McpFunctions.Mcp;

/// <summary>
/// Runs before the SDK on every Streamable HTTP request in a session. It answers 404 for sessions that are
/// unknown, expired, ended or owned by someone else (on every instance, whatever the SDK holds in memory), and
/// marks the requests it admits with <see cref="McpSessionRequest"/>.
/// </summary>
internal sealed class SessionGate(RequestDelegate next, ILogger<SessionGate> logger)
{
    // InvokeAsync takes only the context: extra parameters make UseMiddleware compile an expression tree at
    // start-up (about 12 ms of every cold start). The store is a singleton, looked up when first needed.
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!McpRoutes.IsStreamableHttp(request.Path) || ProtocolRevision.IsJuly2026OrLater(request.Headers[McpHeaders.ProtocolVersion].ToString()))
        {
            return next(context); // stateless 2026-07-28 requests and other routes
        }

        var sessionId = request.Headers[McpHeaders.SessionId].ToString();
        if (sessionId.Length == 0)
        {
            context.Features.Set(McpSessionRequest.Initialize);
            return next(context);
        }

        // Unauthenticated: authorization answers 401. Relayed: this process's relay pump acts for the owner, and
        // the session may already be gone (a DELETE replayed so the SDK drops its copy).
        return context.User.Identity?.IsAuthenticated != true || RelayedUser.IsRelayed(context)
            ? next(context)
            : AdmitAsync(context, sessionId);
    }

    private async Task AdmitAsync(HttpContext context, string sessionId)
    {
        var sessions = context.RequestServices.GetRequiredService<SessionStore>();
        var session = await sessions.GetAsync(sessionId, context.RequestAborted);
        if (session is null || session.Transport != SessionTransports.Streamable || session.OwnerId != Caller.IdOf(context.User))
        {
            await McpResponses.WriteSessionNotFoundAsync(context, "Session not found: it ended, expired or never existed. Initialize a new session.");
            return;
        }

        _ = TouchAsync(sessions, session);

        // The version is fixed at initialize. A request naming another initialize-era version (some clients send an
        // older default on later requests) is served at the session's version instead of being refused.
        var request = context.Request;
        var requestedVersion = request.Headers[McpHeaders.ProtocolVersion].ToString();
        if (requestedVersion.Length > 0 && session.ProtocolVersion.Length > 0 && requestedVersion != session.ProtocolVersion)
        {
            request.Headers[McpHeaders.ProtocolVersion] = session.ProtocolVersion;
        }

        context.Features.Set(new McpSessionRequest(session));
        await next(context);
    }

    private async Task TouchAsync(SessionStore sessions, SessionEntity session)
    {
        try
        {
            await sessions.TouchAsync(session, CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogDebug("Touching session {SessionId} failed: {Reason}", session.PartitionKey, e.GetType().Name);
        }
    }
}
