using System.Text;
using McpFunctions.Auth;
using McpFunctions.Hosting;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.Relay;
using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;
using Microsoft.Extensions.Options;

namespace McpFunctions.Mcp;

/// <summary>
/// Runs before the SDK on every /mcp request that names a session. It answers 404 for sessions that are unknown,
/// expired, ended or owned by someone else (on every instance, whatever the SDK holds in memory); serves the
/// session's notification stream; and ends the session everywhere on DELETE.
/// </summary>
public sealed class SessionGate(RequestDelegate next, IOptionsMonitor<McpOptions> options, ILogger<SessionGate> logger)
{
    public const string InstanceHeader = "X-McpFunctions-Instance";

    // InvokeAsync takes only the context: extra parameters make UseMiddleware compile an expression tree at
    // start-up (about 12 ms of every cold start). The services are singletons, looked up when first needed.
    public async Task InvokeAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var self = services.GetRequiredService<LocalInstance>();
        var request = context.Request;
        if (options.CurrentValue.ExposeInstanceHeader)
        {
            context.Response.Headers[InstanceHeader] = self.Id;
        }

        var sessionId = request.Headers["Mcp-Session-Id"].ToString();
        var requestedVersion = request.Headers["MCP-Protocol-Version"].ToString();
        if (sessionId.Length == 0 && HttpMethods.IsDelete(request.Method) && request.Path.Equals("/mcp", StringComparison.Ordinal)
            && !ProtocolRevision.IsJuly2026OrLater(requestedVersion))
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request",
                "Bad Request: DELETE /mcp ends a session and needs its Mcp-Session-Id header.");
            return;
        }

        if (request.Path.Equals("/mcp", StringComparison.Ordinal) && HttpMethods.IsPost(request.Method)
            && requestedVersion.Length > 0 && !ProtocolRevision.IsKnown(requestedVersion)
            && await UnsupportedPerRequestVersion.TryAnswerAsync(context, requestedVersion))
        {
            return;
        }

        if (!request.Path.Equals("/mcp", StringComparison.Ordinal)
            || ProtocolRevision.IsJuly2026OrLater(requestedVersion))
        {
            await next(context); // stateless 2026-07-28 requests and other routes
            return;
        }

        if (sessionId.Length == 0)
        {
            // Initialize (or an SDK error). Its response stream is stored like any other unless it is delivered.
            await NextDeliveringAsync(context);
            return;
        }

        var cancellationToken = context.RequestAborted;
        var sessions = services.GetRequiredService<SessionStore>();
        var relayed = self.IsRelaySecret(request.Headers[RelayPump.RelayHeader].ToString());
        if (!relayed && context.User.Identity?.IsAuthenticated != true)
        {
            await next(context); // authorization answers 401
            return;
        }

        if (relayed)
        {
            await ActAsReplayedOwnerAsync(context, sessions, sessionId, cancellationToken);
            return;
        }

        var session = await sessions.GetAsync(sessionId, cancellationToken);
        if (session is null || session.Transport != SessionTransports.Streamable || session.OwnerId != Caller.IdOf(context.User))
        {
            await SessionNotFoundAsync(context);
            return;
        }

        _ = TouchAsync(sessions, session);

        // The version is fixed at initialize. A request naming another initialize-era version (some clients send an
        // older default on later requests) is served at the session's version instead of being refused.
        if (requestedVersion.Length > 0 && session.ProtocolVersion.Length > 0 && requestedVersion != session.ProtocolVersion)
        {
            request.Headers["MCP-Protocol-Version"] = session.ProtocolVersion;
        }

        if (HttpMethods.IsGet(request.Method))
        {
            if (EventStreamStore.IsPostStreamEventId(request.Headers["Last-Event-ID"].ToString()))
            {
                await next(context); // the SDK replays a POST response stream from the event store
            }
            else
            {
                await services.GetRequiredService<NotificationStream>().HandleAsync(context, session);
            }

            return;
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            await next(context);
            if (context.Response.StatusCode < 400)
            {
                await services.GetRequiredService<SessionLifecycle>().EndAsync(session, CancellationToken.None);
            }

            return;
        }

        await NextDeliveringAsync(context);
    }

    /// <summary>Runs the SDK with a delivery ticket open, so the request's event writer learns whether its response got through.</summary>
    private async Task NextDeliveringAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await next(context);
            return;
        }

        using var delivery = StreamDeliveries.Begin();
        await next(context);
        if (Delivered(context))
        {
            delivery.Ticket.MarkDelivered();
        }
    }

    /// <summary>The response was written in full: the request was not aborted and succeeded.</summary>
    private static bool Delivered(HttpContext context) =>
        !context.RequestAborted.IsCancellationRequested && context.Response.StatusCode == StatusCodes.Status200OK;

    private async Task ActAsReplayedOwnerAsync(HttpContext context, SessionStore sessions, string sessionId, CancellationToken cancellationToken)
    {
        var owner = context.Request.Headers[RelayPump.RelayOwnerHeader].ToString();
        if (owner.Length > 0)
        {
            context.User = PrincipalClaims.Deserialize(Encoding.UTF8.GetString(Convert.FromBase64String(owner)));
        }
        else if (await sessions.GetAsync(sessionId, cancellationToken, fresh: true) is { } session)
        {
            context.User = PrincipalClaims.Deserialize(session.OwnerClaims);
        }
        else
        {
            await SessionNotFoundAsync(context);
            return;
        }

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

    private static Task SessionNotFoundAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new
        {
            jsonrpc = "2.0",
            id = (object?)null,
            error = new { code = -32001, message = "Session not found: it ended, expired or never existed. Initialize a new session." },
        });
    }
}
