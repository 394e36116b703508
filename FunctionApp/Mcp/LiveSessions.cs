using System.Collections.Concurrent;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace McpFunctions.Mcp;

/// <summary>
/// The sessions this process holds, with their owner and resource subscriptions, so that a change made by one
/// session can be announced to every session of the same user that asked for it.
/// </summary>
public sealed class LiveSessions(ILogger<LiveSessions> logger)
{
    private readonly ConcurrentDictionary<string, LiveSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    /// <summary>Registers a running session; dispose the result when the session ends.</summary>
    public IDisposable Track(McpServer server, string callerPartition)
    {
        var sessionId = server.SessionId;
        if (string.IsNullOrEmpty(sessionId))
        {
            return NoSession.Instance; // stateless requests cannot receive later notifications
        }

        var session = new LiveSession(server, callerPartition);
        _sessions[sessionId] = session;
        return new Registration(this, sessionId, session);
    }

    /// <summary>Adds a subscription; false when the session is not held here or belongs to someone else.</summary>
    public bool Subscribe(string? sessionId, string callerPartition, string uri)
    {
        var session = Find(sessionId, callerPartition);
        session?.Subscriptions.TryAdd(uri, 0);
        return session is not null;
    }

    public bool Unsubscribe(string? sessionId, string callerPartition, string uri)
    {
        var session = Find(sessionId, callerPartition);
        session?.Subscriptions.TryRemove(uri, out _);
        return session is not null;
    }

    public IReadOnlyCollection<string> SubscriptionsOf(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var session) ? session.Subscriptions.Keys.ToArray() : [];

    /// <summary>Sends <c>notifications/resources/updated</c> to the caller's sessions subscribed to <paramref name="uri"/>.</summary>
    public Task NotifyResourceUpdatedAsync(string callerPartition, string uri, CancellationToken cancellationToken) =>
        BroadcastAsync(
            s => s.CallerPartition == callerPartition && s.Subscriptions.ContainsKey(uri),
            s => s.Server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }, cancellationToken: cancellationToken));

    /// <summary>Sends <c>notifications/resources/list_changed</c> to every session of the caller.</summary>
    public Task NotifyResourceListChangedAsync(string callerPartition, CancellationToken cancellationToken) =>
        BroadcastAsync(
            s => s.CallerPartition == callerPartition,
            s => s.Server.SendNotificationAsync(NotificationMethods.ResourceListChangedNotification, cancellationToken));

    private LiveSession? Find(string? sessionId, string callerPartition) =>
        sessionId is not null && _sessions.TryGetValue(sessionId, out var session) && session.CallerPartition == callerPartition
            ? session
            : null;

    private async Task BroadcastAsync(Func<LiveSession, bool> predicate, Func<LiveSession, Task> send)
    {
        foreach (var session in _sessions.Values.Where(predicate).ToArray())
        {
            try
            {
                await send(session);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A client that went away must not fail the write that triggered the notification.
                logger.LogDebug("Notification to session {SessionId} failed: {Reason}", session.Server.SessionId, e.GetType().Name);
            }
        }
    }

    private sealed record LiveSession(McpServer Server, string CallerPartition)
    {
        public ConcurrentDictionary<string, byte> Subscriptions { get; } = new(StringComparer.Ordinal);
    }

    private sealed class Registration(LiveSessions owner, string sessionId, LiveSession session) : IDisposable
    {
        public void Dispose() => owner._sessions.TryRemove(new KeyValuePair<string, LiveSession>(sessionId, session));
    }

    private sealed class NoSession : IDisposable
    {
        public static readonly NoSession Instance = new();
        public void Dispose() { }
    }
}
