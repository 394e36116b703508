using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.Relay;
using McpFunctions.Sessions.Streams;
using McpFunctions.Storage;
using McpFunctions.Telemetry;

namespace McpFunctions.Sessions.State;

/// <summary>Creates session rows when sessions start and removes every trace of a session when it ends, on every instance.</summary>
internal sealed class SessionLifecycle(
    SessionStore sessions,
    SessionIndex index,
    StreamEventTable events,
    SessionStreams streams,
    NotificationStream notificationStream,
    RelayInbox relay,
    LocalInstance self,
    InstanceRegistry instances,
    TimeProvider time,
    IOptionsMonitor<SessionLifetimeOptions> options,
    ILogger<SessionLifecycle> logger)
{
    /// <summary>Largest stored initialize parameters, in characters.</summary>
    public const int MaxInitializeParamsLength = 30_000;

    public async Task<SessionEntity> StartAsync(string sessionId, string transport, ClaimsPrincipal user, InitializeRequestParams? initialize, CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        var now = time.GetUtcNow();
        var initializeJson = initialize is null
            ? "{}"
            : JsonSerializer.Serialize(initialize, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InitializeRequestParams)));
        if (initializeJson.Length > MaxInitializeParamsLength)
        {
            throw new McpProtocolException($"The initialize parameters are {initializeJson.Length} characters of JSON; this server stores at most {MaxInitializeParamsLength}.", McpErrorCode.InvalidParams);
        }

        var entity = new SessionEntity
        {
            PartitionKey = sessionId,
            Transport = transport,
            OwnerId = caller.Id,
            OwnerClaims = PrincipalClaims.Serialize(user),
            ProtocolVersion = initialize?.ProtocolVersion ?? "",
            InitializeParams = initializeJson,
            StreamInstance = transport == SessionTransports.LegacySse ? self.Id : "",
            CreatedAt = now,
            LastSeenAt = now,
            ExpiresAt = now + options.CurrentValue.SessionIdleTimeout,
        };
        try
        {
            await sessions.CreateAsync(entity, cancellationToken);
        }
        catch (Azure.RequestFailedException e) when (e.Status == 409)
        {
            // initialize sent again inside the session it created: a session is initialized once.
            throw new McpProtocolException("This session is already initialized. To start a new session, send initialize without the Mcp-Session-Id header.", McpErrorCode.InvalidRequest);
        }

        await index.AddSessionAsync(caller.PartitionKey, sessionId, cancellationToken);
        logger.LogInformation("Session {SessionId} started ({Transport}, {ProtocolVersion})", sessionId, transport, entity.ProtocolVersion);
        McpFunctionsMetrics.SessionStarted(transport);
        return entity;
    }

    /// <summary>
    /// Ends a session: removes its row, index rows and stored events, closes its streams here, and tells every
    /// other live instance to drop its copy.
    /// </summary>
    public async Task EndAsync(SessionEntity session, CancellationToken cancellationToken)
    {
        var sessionId = session.PartitionKey;
        await sessions.DeleteAsync(sessionId, cancellationToken);
        ForgetHere(sessionId);

        var subscriptions = JsonSerializer.Deserialize<string[]>(session.Subscriptions) ?? [];
        await index.RemoveSessionAsync(StorageKey.Encode(session.OwnerId), sessionId, subscriptions, cancellationToken);
        await events.DeleteSessionAsync(sessionId, cancellationToken);

        foreach (var instance in await instances.LiveAsync(cancellationToken))
        {
            if (instance != self.Id)
            {
                await relay.EnqueueAsync(instance, new RelayMessage(RelayKinds.SessionEnded, sessionId, session.OwnerClaims, session.ProtocolVersion, time.GetUtcNow()), cancellationToken);
            }
        }

        logger.LogInformation("Session {SessionId} ended", sessionId);
        McpFunctionsMetrics.SessionEnded();
    }

    /// <summary>Drops this instance's cached row, open stream and counters of the session.</summary>
    public void ForgetHere(string sessionId)
    {
        sessions.Evict(sessionId);
        streams.Close(sessionId);
        notificationStream.Forget(sessionId);
    }
}
