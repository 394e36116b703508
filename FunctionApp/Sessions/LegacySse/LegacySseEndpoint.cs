using System.Security.Cryptography;
using System.Text;
using McpFunctions.Auth;
using McpFunctions.Hosting;
using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.Relay;
using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;
using Microsoft.AspNetCore.WebUtilities;

namespace McpFunctions.Sessions.LegacySse;

/// <summary>
/// The 2024-11-05 HTTP+SSE transport at <c>/sse</c> (stream) and <c>/message</c> (client posts). The stream is held by
/// one instance; a post that reaches another instance is relayed to it through storage.
/// </summary>
/// <remarks>
/// The SDK's own legacy handler maps only under the Streamable HTTP route (<c>/mcp/sse</c>) and keeps its session
/// table private, so posts cannot be handed across instances. The protocol work stays in the SDK's
/// <see cref="SseResponseStreamTransport"/>; this class owns routing and the session row.
/// </remarks>
internal sealed class LegacySseEndpoint(
    IOptions<McpServerOptions> serverOptions,
    SessionStreams streams,
    SessionStore sessions,
    SessionLifecycle lifecycle,
    RelayInbox relay,
    LocalInstance self,
    InstanceRegistry instances,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<LegacySseEndpoint>();

    public async Task HandleStreamAsync(HttpContext context)
    {
        var caller = Caller.From(context.User);
        var sessionId = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);

        var session = await lifecycle.StartAsync(sessionId, SessionTransports.LegacySse, context.User, initialize: null, cts.Token);

        McpResponses.StartEventStream(context);

        var messageEndpoint = $"{context.Request.PathBase}{McpRoutes.LegacyMessage}?sessionId={sessionId}";
        await using var transport = new SseResponseStreamTransport(context.Response.Body, messageEndpoint, sessionId);
        var stream = new LegacySseStream(transport, context.User, caller.Id, cts);
        try
        {
            using (streams.Attach(sessionId, stream))
            {
                var transportTask = transport.RunAsync(cts.Token);
                await using (var server = McpServer.Create(transport, serverOptions.Value, loggerFactory, context.RequestServices))
                {
                    context.Features.Set(server);
                    try
                    {
                        await server.RunAsync(cts.Token);
                    }
                    catch (OperationCanceledException) when (cts.IsCancellationRequested)
                    {
                    }
                }

                await transport.DisposeAsync();
                try
                {
                    await transportTask;
                }
                catch (OperationCanceledException) when (cts.IsCancellationRequested)
                {
                    // The client went away or the app is stopping: the stream simply ends.
                }
            }
        }
        finally
        {
            await lifecycle.EndAsync(session, CancellationToken.None);
        }
    }

    public async Task HandleMessageAsync(HttpContext context)
    {
        var sessionId = context.Request.Query["sessionId"].ToString();
        if (sessionId.Length == 0)
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request",
                "Bad Request: the 'sessionId' query parameter is required; use the endpoint URL sent in the 'endpoint' event of /sse.");
            return;
        }

        var caller = Caller.From(context.User);
        var cancellationToken = context.RequestAborted;
        string body;
        using (var reader = new StreamReader(context.Request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(cancellationToken);
        }

        JsonRpcMessage? message;
        try
        {
            message = body.Length == 0 ? null : JsonRpcMessages.Deserialize(body);
        }
        catch (JsonException e)
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "parse_error",
                $"Bad Request: the body is not a JSON-RPC message ({e.Message}).");
            return;
        }

        if (message is null)
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request", "Bad Request: the body is empty.");
            return;
        }

        if (streams.TryGet(sessionId, out var held) && held is LegacySseStream stream)
        {
            if (stream.OwnerId != caller.Id)
            {
                await SessionNotFoundAsync(context);
                return;
            }

            await stream.ReceiveAsync(message, cancellationToken);
            await AcceptedAsync(context);
            return;
        }

        // The stream is held by another instance: queue the message in its inbox.
        var session = await sessions.GetAsync(sessionId, cancellationToken);
        if (session is null || session.Transport != SessionTransports.LegacySse || session.OwnerId != caller.Id
            || session.StreamInstance == self.Id || !await instances.IsAliveAsync(session.StreamInstance, cancellationToken))
        {
            await SessionNotFoundAsync(context);
            return;
        }

        await relay.EnqueueAsync(session.StreamInstance, new RelayMessage(RelayKinds.SseMessage, sessionId, body, null, time.GetUtcNow()), cancellationToken);
        _logger.LogDebug("Relayed a message for legacy SSE session {SessionId} to instance {Instance}", sessionId, session.StreamInstance);
        await AcceptedAsync(context);
    }

    private static Task SessionNotFoundAsync(HttpContext context) =>
        ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, "session_not_found", "Session not found: open a new stream at /sse.");

    private static async Task AcceptedAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("Accepted", context.RequestAborted);
    }
}
