using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using McpFunctions.Auth;
using McpFunctions.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFunctions.Mcp;

/// <summary>
/// The 2024-11-05 HTTP+SSE transport at <c>/sse</c> (stream) and <c>/message</c> (client posts).
/// </summary>
/// <remarks>
/// The SDK's own legacy handler only maps under the Streamable HTTP route (<c>/mcp/sse</c>) and keeps the
/// session table private; clients and docs expect <c>/sse</c> at the root, and the session table is where
/// cross-instance relaying plugs in. The protocol work itself stays in the SDK's <see cref="SseResponseStreamTransport"/>.
/// </remarks>
public sealed class LegacySseEndpoint(
    IOptions<McpServerOptions> serverOptions,
    LiveSessions liveSessions,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<string, Stream> _streams = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<LegacySseEndpoint>();

    private sealed record Stream(SseResponseStreamTransport Transport, string CallerId);

    public int ActiveStreams => _streams.Count;

    public async Task HandleStreamAsync(HttpContext context)
    {
        var caller = Caller.From(context.User);
        var sessionId = NewSessionId();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);

        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache,no-store";
        context.Response.Headers.ContentEncoding = "identity";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.GetRequiredFeature<IHttpResponseBodyFeature>().DisableBuffering();

        var messageEndpoint = $"{context.Request.PathBase}/message?sessionId={sessionId}";
        await using var transport = new SseResponseStreamTransport(context.Response.Body, messageEndpoint, sessionId);
        _streams[sessionId] = new Stream(transport, caller.Id);
        _logger.LogInformation("Legacy SSE session {SessionId} opened", sessionId);
        try
        {
            var transportTask = transport.RunAsync(cts.Token);
            await using (var server = McpServer.Create(transport, serverOptions.Value, loggerFactory, context.RequestServices))
            using (liveSessions.Track(server, caller.PartitionKey))
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
            await transportTask;
        }
        finally
        {
            _streams.TryRemove(sessionId, out _);
            _logger.LogInformation("Legacy SSE session {SessionId} closed", sessionId);
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
        if (!_streams.TryGetValue(sessionId, out var stream) || stream.CallerId != caller.Id)
        {
            // Another user's session is answered exactly like an unknown one.
            await ErrorResponses.WriteAsync(context, StatusCodes.Status404NotFound, "session_not_found",
                "Session not found: open a new stream at /sse.");
            return;
        }

        JsonRpcMessage? message;
        try
        {
            message = await JsonSerializer.DeserializeAsync(context.Request.Body, McpJsonUtilities.DefaultOptions.GetTypeInfo<JsonRpcMessage>(), context.RequestAborted);
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

        message.Context ??= new JsonRpcMessageContext();
        message.Context.User = context.User;
        await stream.Transport.OnMessageReceivedAsync(message, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        await context.Response.WriteAsync("Accepted", context.RequestAborted);
    }

    private static string NewSessionId() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));
}
