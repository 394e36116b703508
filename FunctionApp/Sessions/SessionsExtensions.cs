using McpFunctions.Hosting;
using McpFunctions.Mcp;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.LegacySse;
using McpFunctions.Sessions.Relay;
using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;
using ModelContextProtocol.AspNetCore;

namespace McpFunctions.Sessions;

/// <summary>Sessions that survive scale-out: one registration per mechanism of docs/sessions.md.</summary>
internal static class SessionsExtensions
{
    public static IServiceCollection AddSessions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SessionLifetimeOptions, SessionLifetimeOptionsValidator>(configuration, McpOptions.SectionName)
            .AddValidatedOptions<EventStoreOptions, EventStoreOptionsValidator>(configuration, McpOptions.SectionName)
            .AddValidatedOptions<RelayOptions, RelayOptionsValidator>(configuration, McpOptions.SectionName)
            .AddValidatedOptions<ClusterOptions, ClusterOptionsValidator>(configuration, McpOptions.SectionName);

        // Cluster: this instance, and the live instances by their heartbeats.
        services.AddSingleton<LocalInstance>();
        services.AddSingleton<InstanceRegistry>();
        services.AddDeferredBackgroundWork<InstanceRegistry>();

        // State: the session row, the per-caller index, start, end, migration and expiry.
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SessionIndex>();
        services.AddSingleton<SessionLifecycle>();
        services.AddSingleton<ISessionMigrationHandler, SessionMigration>();
        services.AddSingleton<SessionSweeper>();
        services.AddDeferredBackgroundWork<SessionSweeper>();

        // Streams: resumable POST response streams (the SDK's event store) and the session's GET stream.
        services.AddSingleton<StreamEventTable>();
        services.AddSingleton<PersistDelayQueue>();
        services.AddSingleton<ISseEventStreamStore, EventStreamStore>();
        services.AddSingleton<SessionStreams>();
        services.AddSingleton<NotificationStream>();

        // Relay: work that must happen on the instance holding a stream or waiting for a client's answer.
        services.AddSingleton<RelayInbox>();
        services.AddSingleton<RelayPump>();
        services.AddDeferredBackgroundWork<RelayPump>();
        services.AddHttpClient(RelayPump.HttpClientName);
        services.AddSingleton<SessionNotifier>();
        services.AddSingleton<PendingClientRequests>();
        services.AddTransient<IConfigureOptions<McpServerOptions>, PendingClientRequests.Filters>();

        // Legacy HTTP+SSE.
        services.AddSingleton<LegacySseEndpoint>();
        return services;
    }
}
