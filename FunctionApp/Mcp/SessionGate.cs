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
        StreamDeliveries deliveries,
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

        var requestedVersion = request.Headers["MCP-Protocol-Version"].ToString();
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
            var initialize = HttpMethods.IsPost(request.Method) ? await PeekAsync(request) : default;
            await next(context);
            if (initialize.IsRequest && initialize.Id is { } initializeId && Delivered(context)
                && context.Response.Headers["Mcp-Session-Id"].ToString() is { Length: > 0 } newSessionId)
            {
                deliveries.MarkDelivered(newSessionId, initializeId);
            }

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

        // The version is fixed at initialize. A request naming another initialize-era version (some clients send an
        // older default on later requests) is served at the session's version instead of being refused.
        var headerVersion = request.Headers["MCP-Protocol-Version"].ToString();
        if (headerVersion.Length > 0 && session.ProtocolVersion.Length > 0 && headerVersion != session.ProtocolVersion)
        {
            request.Headers["MCP-Protocol-Version"] = session.ProtocolVersion;
        }

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

        var message = HttpMethods.IsPost(request.Method) ? await PeekAsync(request) : default;
        if (message.IsAnswer && message.Id is { } answerId && !pending.IsHere(sessionId, answerId))
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

        if (message.IsRequest && message.Id is { } requestId && Delivered(context))
        {
            // The whole response reached the client, so its stored events will never be replayed.
            deliveries.MarkDelivered(sessionId, requestId);
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

    /// <summary>What kind of JSON-RPC message a POST carries, read from its top-level properties only.</summary>
    internal readonly record struct PeekedMessage(string? Id, bool IsRequest, bool IsAnswer);

    /// <summary>
    /// Reads the top-level properties of the POST body (up to 64 KiB) without consuming it: the SDK reads it again.
    /// </summary>
    internal static async Task<PeekedMessage> PeekAsync(HttpRequest request)
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
            return Peek(buffer.AsSpan(0, length), complete);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal static PeekedMessage Peek(ReadOnlySpan<byte> json, bool isFinalBlock)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock, default);
        string? id = null;
        bool hasMethod = false, hasOutcome = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                if (!reader.Read())
                {
                    break;
                }

                switch (name)
                {
                    case "method":
                        hasMethod = true;
                        break;
                    case "result" or "error":
                        hasOutcome = true;
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
                    break; // the rest lies beyond what was read
                }
            }
        }
        catch (JsonException)
        {
            return default; // malformed: let the SDK answer it
        }

        return new PeekedMessage(id, IsRequest: hasMethod && id is not null, IsAnswer: !hasMethod && hasOutcome && id is not null);
    }
}
