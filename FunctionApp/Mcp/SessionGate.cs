using System.Buffers;
using System.Text;
using System.Text.Json;
using McpFunctions.Auth;
using McpFunctions.Hosting;
using Microsoft.Extensions.Options;

namespace McpFunctions.Mcp;

/// <summary>
/// Runs before the SDK on every /mcp request that names a session. It answers 404 for sessions that are unknown,
/// expired, ended or owned by someone else (on every instance, whatever the SDK holds in memory); serves the
/// session's notification stream; ends the session everywhere on DELETE; and relays a client's answer to the
/// instance that asked the question.
/// </summary>
public sealed class SessionGate(RequestDelegate next, IOptionsMonitor<McpOptions> options, ILogger<SessionGate> logger)
{
    public const string InstanceHeader = "X-McpFunctions-Instance";

    private const int AnswerScanLimit = 64 * 1024;

    public async Task InvokeAsync(
        HttpContext context,
        SessionStore sessions,
        SessionLifecycle lifecycle,
        NotificationStream notificationStream,
        PendingClientRequests pending,
        RelayInbox relay,
        ServerInstance self,
        ServerInstances instances,
        TimeProvider time)
    {
        var request = context.Request;
        if (options.CurrentValue.ExposeInstanceHeader)
        {
            context.Response.Headers[InstanceHeader] = self.Id;
        }

        var sessionId = request.Headers["Mcp-Session-Id"].ToString();
        if (sessionId.Length == 0 && HttpMethods.IsDelete(request.Method) && request.Path.Equals("/mcp", StringComparison.Ordinal)
            && !ProtocolRevision.IsJuly2026OrLater(request.Headers["MCP-Protocol-Version"].ToString()))
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request",
                "Bad Request: DELETE /mcp ends a session and needs its Mcp-Session-Id header.");
            return;
        }

        if (!request.Path.Equals("/mcp", StringComparison.Ordinal)
            || sessionId.Length == 0
            || ProtocolRevision.IsJuly2026OrLater(request.Headers["MCP-Protocol-Version"].ToString()))
        {
            await next(context); // initialize, stateless 2026-07-28 requests, and SDK errors for the rest
            return;
        }

        var cancellationToken = context.RequestAborted;
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
        if (session is null || session.Transport != SessionTransports.Streamable || session.OwnerId != Caller.From(context.User).Id)
        {
            await SessionNotFoundAsync(context);
            return;
        }

        _ = TouchAsync(sessions, session);

        if (HttpMethods.IsGet(request.Method))
        {
            if (TableEventStreamStore.IsPostStreamEventId(request.Headers["Last-Event-ID"].ToString()))
            {
                await next(context); // the SDK replays a POST response stream from the event store
            }
            else
            {
                await notificationStream.HandleAsync(context, session);
            }

            return;
        }

        if (HttpMethods.IsDelete(request.Method))
        {
            await next(context);
            if (context.Response.StatusCode < 400)
            {
                await lifecycle.EndAsync(session, CancellationToken.None);
            }

            return;
        }

        if (HttpMethods.IsPost(request.Method) && await AnswerIdAsync(request) is { } answerId && !pending.IsHere(sessionId, answerId))
        {
            var waiting = await pending.FindAsync(sessionId, answerId, cancellationToken);
            if (waiting is not null && waiting != self.Id && await instances.IsAliveAsync(waiting, cancellationToken))
            {
                request.Body.Position = 0;
                using var reader = new StreamReader(request.Body, Encoding.UTF8, leaveOpen: true);
                var body = await reader.ReadToEndAsync(cancellationToken);
                await relay.EnqueueAsync(waiting, new RelayMessage(RelayKinds.ClientResponse, sessionId, body, request.Headers["MCP-Protocol-Version"].ToString(), time.GetUtcNow()), cancellationToken);
                logger.LogDebug("Relayed an answer for session {SessionId} to instance {Instance}", sessionId, waiting);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
                return;
            }
        }

        await next(context);
    }

    private async Task ActAsReplayedOwnerAsync(HttpContext context, SessionStore sessions, string sessionId, CancellationToken cancellationToken)
    {
        var owner = context.Request.Headers[RelayPump.RelayOwnerHeader].ToString();
        if (owner.Length > 0)
        {
            context.User = SessionOwner.Deserialize(Encoding.UTF8.GetString(Convert.FromBase64String(owner)));
        }
        else if (await sessions.GetAsync(sessionId, cancellationToken, fresh: true) is { } session)
        {
            context.User = SessionOwner.Deserialize(session.OwnerClaims);
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

    /// <summary>
    /// The id of the JSON-RPC response or error in the body (a client answering a server request), or null for
    /// requests and notifications. Scans top-level property names only; the body stays readable for the SDK.
    /// </summary>
    internal static async Task<string?> AnswerIdAsync(HttpRequest request)
    {
        request.EnableBuffering();
        var buffer = ArrayPool<byte>.Shared.Rent(AnswerScanLimit);
        try
        {
            var length = 0;
            int read;
            while (length < AnswerScanLimit && (read = await request.Body.ReadAsync(buffer.AsMemory(length, AnswerScanLimit - length), request.HttpContext.RequestAborted)) > 0)
            {
                length += read;
            }

            var complete = length < AnswerScanLimit
                || await request.Body.ReadAsync(new byte[1], request.HttpContext.RequestAborted) == 0;
            request.Body.Position = 0;
            return ScanAnswerId(buffer.AsSpan(0, length), complete);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static string? ScanAnswerId(ReadOnlySpan<byte> json, bool isFinalBlock)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock, default);
        string? id = null;
        var isAnswer = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    return null;
                }

                switch (name)
                {
                    case "method":
                        return null; // a request or notification
                    case "result" or "error":
                        isAnswer = true;
                        break;
                    case "id" when reader.TokenType == JsonTokenType.String:
                        id = reader.GetString();
                        break;
                    case "id" when reader.TokenType == JsonTokenType.Number:
                        id = Encoding.UTF8.GetString(reader.ValueSpan);
                        break;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return null;
                }
            }
        }
        catch (JsonException)
        {
            return null; // malformed: let the SDK answer it
        }

        return isAnswer ? id : null;
    }
}
