using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using McpFunctions.Hosting;
using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.State;

namespace McpFunctions.Sessions.Streams;

/// <summary>
/// The session's server-to-client stream (GET /mcp), served here rather than by the SDK so that it survives
/// moving between instances: every notification is stored with a sequence number before it is sent, a client that
/// reconnects with <c>Last-Event-ID: n.{sequence}</c> to any instance gets what it missed, and that instance
/// takes the stream over (later notifications are relayed to it).
/// </summary>
/// <remarks>
/// The SDK's own GET stream is bound to the in-memory transport of one instance and is not resumable after a
/// migration. Only messages the app sends go on this stream (resource and list notifications); the SDK sends
/// server-to-client requests on the POST response stream they belong to.
/// </remarks>
internal sealed class NotificationStream(
    SessionStreams streams,
    SessionStore sessions,
    StreamEventTable events,
    LocalInstance self,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<NotificationStream> logger)
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan CatchUpDelay = TimeSpan.FromSeconds(1);
    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    private readonly ConcurrentDictionary<string, long> _lastSequence = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _order = new(StringComparer.Ordinal);

    public async Task HandleAsync(HttpContext context, SessionEntity session)
    {
        var request = context.Request;
        if (!request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase)))
        {
            await ErrorResponses.WriteAsync(context, StatusCodes.Status406NotAcceptable, "not_acceptable", "Not Acceptable: the client must accept text/event-stream.");
            return;
        }

        long? resumeAfter = null;
        var lastEventId = request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length > 0)
        {
            if (!EventIds.TryParseNotification(lastEventId, out var parsed))
            {
                await ErrorResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request", "Bad Request: the Last-Event-ID header is not an event id of this server.");
                return;
            }

            resumeAfter = parsed;
        }

        var sessionId = session.PartitionKey;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = cts.Token;

        // Take the stream over: from now on notifications for this session come to this instance.
        var previousHolder = session.StreamInstance;
        if (previousHolder != self.Id)
        {
            await sessions.UpdateAsync(sessionId, s =>
            {
                previousHolder = s.StreamInstance;
                if (s.StreamInstance == self.Id)
                {
                    return false;
                }

                s.StreamInstance = self.Id;
                return true;
            }, cancellationToken);
        }

        // A resumed stream replays after the client's last event; the session's first stream replays whatever
        // was stored before any stream existed (e.g. an update right after subscribing).
        var replayAfter = resumeAfter ?? (previousHolder.Length == 0 ? 0 : (long?)null);
        if (resumeAfter is { } after)
        {
            _lastSequence.AddOrUpdate(sessionId, after, (_, last) => Math.Max(last, after));
        }

        var response = context.Response;
        McpResponses.StartEventStream(context);
        response.Headers["Mcp-Session-Id"] = sessionId;

        var connection = new Connection(cts);
        using (streams.Attach(sessionId, connection))
        {
            var sent = new HashSet<long>();
            var from = replayAfter ?? CurrentSequence(sessionId);
            try
            {
                await WriteAsync(response, from, data: null, cancellationToken); // priming: gives the client an id to resume from
                if (replayAfter is not null)
                {
                    await ReplayAsync(response, sessionId, from, sent, cancellationToken);
                }

                // Events stored by other instances just before the takeover became visible everywhere arrive late:
                // look once more after the session cache has expired on every instance.
                var catchUpAt = time.GetTimestamp();
                var caughtUp = false;
                logger.LogDebug("Notification stream of session {SessionId} open (resumed: {Resumed})", sessionId, resumeAfter is not null);
                while (!cancellationToken.IsCancellationRequested)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    wait.CancelAfter(caughtUp ? KeepAlive : CatchUpDelay);
                    try
                    {
                        await connection.Pending.Reader.WaitToReadAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        if (!caughtUp && time.GetElapsedTime(catchUpAt) >= CatchUpDelay)
                        {
                            await ReplayAsync(response, sessionId, from, sent, cancellationToken);
                            caughtUp = true;
                            continue;
                        }

                        await response.Body.WriteAsync(KeepAliveComment, cancellationToken);
                        await response.Body.FlushAsync(cancellationToken);
                        continue;
                    }

                    while (connection.Pending.Reader.TryRead(out var item))
                    {
                        if (sent.Add(item.Sequence))
                        {
                            await WriteAsync(response, item.Sequence, item.Data, cancellationToken);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (lifetime.ApplicationStopping.IsCancellationRequested && !context.RequestAborted.IsCancellationRequested)
                {
                    await EndForShutdownAsync(response);
                }
            }
            catch (IOException)
            {
                // The client went away; it can resume with Last-Event-ID.
            }
        }
    }

    /// <summary>
    /// This instance is stopping (scale-in): end the stream with a short reconnection delay, so the client reconnects
    /// at once, reaches another instance, and resumes with Last-Event-ID from the events stored for the session.
    /// </summary>
    private async Task EndForShutdownAsync(HttpResponse response)
    {
        try
        {
            await response.Body.WriteAsync(ShutdownRetry, CancellationToken.None);
            await response.Body.FlushAsync(CancellationToken.None);
            logger.LogDebug("Notification stream ended for shutdown");
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    /// <summary>An SSE retry field (milliseconds) and a comment saying why the stream ends.</summary>
    private static readonly byte[] ShutdownRetry = "retry: 500\n: this instance is stopping; reconnect to resume\n\n"u8.ToArray();

    private async Task ReplayAsync(HttpResponse response, string sessionId, long after, HashSet<long> sent, CancellationToken cancellationToken)
    {
        foreach (var (sequence, data) in await events.NotificationsAfterAsync(sessionId, after, cancellationToken))
        {
            if (sent.Add(sequence))
            {
                await WriteAsync(response, sequence, data, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Stores a notification for a session whose stream this instance holds (or held last), then sends it if the
    /// client is connected here. Deliveries for one session are serialized so sequence order is send order.
    /// </summary>
    public async Task DeliverAsync(string sessionId, JsonRpcMessage message, CancellationToken cancellationToken)
    {
        var data = JsonRpcMessages.Serialize(message);
        var order = _order.GetOrAdd(sessionId, _ => new SemaphoreSlim(1, 1));
        await order.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;
            var sequence = _lastSequence.AddOrUpdate(sessionId, now, (_, last) => Math.Max(last + 1, now));
            await events.AppendNotificationAsync(sessionId, sequence, data, cancellationToken);
            if (streams.TryGet(sessionId, out var stream) && stream is Connection connection)
            {
                connection.Pending.Writer.TryWrite((sequence, data));
            }
        }
        finally
        {
            order.Release();
        }
    }

    /// <summary>Forgets per-session counters (the session ended).</summary>
    public void Forget(string sessionId)
    {
        _lastSequence.TryRemove(sessionId, out _);
        _order.TryRemove(sessionId, out _);
    }

    private long CurrentSequence(string sessionId) =>
        _lastSequence.TryGetValue(sessionId, out var last) ? last : time.GetUtcNow().ToUnixTimeMilliseconds() * 1000;

    private static async Task WriteAsync(HttpResponse response, long sequence, string? data, CancellationToken cancellationToken)
    {
        var text = new StringBuilder()
            .Append("id: ").Append(EventIds.Notification(sequence)).Append('\n')
            .Append("event: message\n")
            .Append("data: ").Append(data).Append("\n\n")
            .ToString();
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>One open GET connection; closing it ends the response.</summary>
    private sealed class Connection(CancellationTokenSource requestLifetime) : ISessionStream
    {
        public Channel<(long Sequence, string Data)> Pending { get; } = Channel.CreateUnbounded<(long, string)>(new UnboundedChannelOptions { SingleReader = true });

        public void Close()
        {
            Pending.Writer.TryComplete();
            try
            {
                requestLifetime.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
