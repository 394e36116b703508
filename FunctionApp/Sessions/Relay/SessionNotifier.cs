using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.LegacySse;
using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;

namespace McpFunctions.Sessions.Relay;

/// <summary>
/// Sends notifications to sessions wherever their stream is held: directly when this instance holds it,
/// otherwise through the holder's relay inbox.
/// </summary>
internal sealed class SessionNotifier(
    SessionIndex index,
    SessionStore sessions,
    SessionStreams streams,
    NotificationStream notificationStream,
    RelayInbox relay,
    LocalInstance self,
    InstanceRegistry instances,
    TimeProvider time,
    ILogger<SessionNotifier> logger)
{
    /// <summary><c>notifications/resources/updated</c> to the caller's sessions subscribed to <paramref name="uri"/>.</summary>
    public async Task ResourceUpdatedAsync(string callerPartition, string uri, CancellationToken cancellationToken)
    {
        var message = Notification(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri });
        foreach (var sessionId in await index.SubscribersOfAsync(callerPartition, uri, cancellationToken))
        {
            await NotifyAsync(sessionId, message, cancellationToken);
        }
    }

    /// <summary><c>notifications/resources/list_changed</c> to every session of the caller.</summary>
    public async Task ResourceListChangedAsync(string callerPartition, CancellationToken cancellationToken)
    {
        var message = new JsonRpcNotification { Method = NotificationMethods.ResourceListChangedNotification };
        foreach (var sessionId in await index.SessionsOfAsync(callerPartition, cancellationToken))
        {
            await NotifyAsync(sessionId, message, cancellationToken);
        }
    }

    /// <summary>Delivers one notification; a session without a stream simply misses it, as MCP allows.</summary>
    public async Task NotifyAsync(string sessionId, JsonRpcNotification message, CancellationToken cancellationToken)
    {
        try
        {
            // Read the row fresh: notifications are rare, and a cached copy may still name a previous stream holder.
            var session = await sessions.GetAsync(sessionId, cancellationToken, fresh: true);
            if (session is null)
            {
                return;
            }

            var heldHere = session.StreamInstance == self.Id;
            if (session.StreamInstance.Length == 0 || (!heldHere && !await instances.IsAliveAsync(session.StreamInstance, cancellationToken)))
            {
                if (session.Transport == SessionTransports.Streamable)
                {
                    // No stream yet, or its holder is gone: store the event; the client's first stream or its
                    // reconnect (to any instance) replays it.
                    await DeliverHereAsync(session, message, cancellationToken);
                }

                return;
            }

            if (heldHere)
            {
                await DeliverHereAsync(session, message, cancellationToken);
                return;
            }

            var body = JsonRpcMessages.Serialize(message);
            await relay.EnqueueAsync(session.StreamInstance, new RelayMessage(RelayKinds.Notify, sessionId, body, null, time.GetUtcNow()), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A notification that cannot be delivered must not fail the change that caused it.
            logger.LogWarning("Notification {Method} to session {SessionId} failed: {Reason}", message.Method, sessionId, e.GetType().Name);
        }
    }

    /// <summary>Sends on the stream this instance holds (or stores the event for a streamable session's reconnect).</summary>
    public async Task DeliverHereAsync(SessionEntity session, JsonRpcMessage message, CancellationToken cancellationToken)
    {
        if (session.Transport == SessionTransports.LegacySse)
        {
            if (streams.TryGet(session.PartitionKey, out var stream) && stream is LegacySseStream sse)
            {
                await sse.SendAsync(message, cancellationToken);
            }

            return;
        }

        await notificationStream.DeliverAsync(session.PartitionKey, message, cancellationToken);
    }

    private static JsonRpcNotification Notification<T>(string method, T parameters) => new()
    {
        Method = method,
        Params = JsonSerializer.SerializeToNode(parameters, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(T))),
    };
}
