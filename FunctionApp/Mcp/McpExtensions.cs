using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using McpFunctions.Auth;
using McpFunctions.Conformance;
using McpFunctions.Features;
using McpFunctions.Features.Files;
using McpFunctions.Hosting;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.LegacySse;
using McpFunctions.Sessions.Relay;
using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

#pragma warning disable MCP9005 // logging/setLevel is how 2025-11-25 sessions choose their log level

namespace McpFunctions.Mcp;

public static class McpExtensions
{
    public static IServiceCollection AddMcp(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<McpOptions>()
            .Bind(configuration.GetSection(McpOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<McpOptions>, McpOptionsValidator>();
        var options = configuration.GetSection(McpOptions.SectionName).Get<McpOptions>() ?? new McpOptions();
        if (options.ConformanceFixtures && !environment.IsDevelopment())
        {
            throw new StartupConfigurationException($"{ConformanceFixtures.SettingName} is set, but conformance fixtures are only allowed in Development.");
        }

        // Sessions that survive scale-out: the session row, its index, stored stream events and the relay.
        services.AddSingleton<LocalInstance>();
        services.AddSingleton<InstanceRegistry>();
        services.AddDeferredBackgroundWork<InstanceRegistry>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SessionIndex>();
        services.AddSingleton<SessionState>();
        services.AddSingleton<SessionLifecycle>();
        services.AddSingleton<SessionStreams>();
        services.AddSingleton<SessionNotifier>();
        services.AddSingleton<StreamEventTable>();
        services.AddSingleton<NotificationStream>();
        services.AddSingleton<PendingClientRequests>();
        services.AddSingleton<RelayInbox>();
        services.AddSingleton<RelayPump>();
        services.AddDeferredBackgroundWork<RelayPump>();
        services.AddSingleton<SessionSweeper>();
        services.AddDeferredBackgroundWork<SessionSweeper>();
        services.AddSingleton<ClientLog>();
        services.AddSingleton<RequestStateProtector>();
        services.AddSingleton<LegacySseEndpoint>();
        services.AddSingleton<ISessionMigrationHandler, SessionMigration>();
        services.AddSingleton<ISseEventStreamStore, EventStreamStore>();
        services.AddHttpClient(RelayPump.HttpClientName);
        services.AddTransient<IConfigureOptions<McpServerOptions>, PendingClientRequestFilters>();
        services.AddSingleton<IOptionsFactory<McpServerOptions>, ReusedServerOptions>();

        var assembly = typeof(McpExtensions).Assembly;
        var version = assembly.GetName().Version?.ToString(3) ?? "1.0.0";

        // Tool results always carry every property (null included), so structured content matches the
        // generated output schema, which lists nullable properties as required.
        var toolJson = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(ToolJsonContext.Default, McpJsonUtilities.DefaultOptions.TypeInfoResolver),
        };

        var mcp = services.AddMcpServer(server =>
            {
                server.ServerInfo = new Implementation
                {
                    Name = "McpFunctions",
                    Title = "McpFunctions",
                    Version = version,
                };
                server.ServerInstructions =
                    "Personal notes, preferences and files for the signed-in user. " +
                    "Use notes_* tools for short structured records, preferences_* for small key/value settings, " +
                    "and files_* (or the files:/// resources) for documents. Everything is private to the signed-in user.";
            })
            .WithHttpTransport(http =>
            {
                // 2025-11-25 and older clients get a session; 2026-07-28 clients are served per request.
                http.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
                http.IdleTimeout = options.SessionIdleTimeout;
            })
            .AddAuthorizationFilters()
            .WithToolsFromAssembly(assembly, toolJson)
            .WithPromptsFromAssembly(assembly)
            .WithResourcesFromAssembly(assembly)
            .WithListResourcesHandler(FileResources.ListAsync)
            .WithReadResourceHandler(UnknownResources.ReadAsync)
            .WithSubscribeToResourcesHandler(ResourceSubscriptions.SubscribeAsync)
            .WithUnsubscribeFromResourcesHandler(ResourceSubscriptions.UnsubscribeAsync)
            .WithCompleteHandler(ArgumentCompletions.CompleteAsync)
            .WithSetLoggingLevelHandler(ClientLog.SetLevelAsync)
            .WithRequestFilters(filters => filters
                .AddCallToolFilter(ToolArgumentCheck.Filter)
                .AddGetPromptFilter(PromptArgumentCheck.Filter));

        if (options.ConformanceFixtures)
        {
            mcp.WithConformanceFixtures();
        }

        return services;
    }

    /// <summary>Runs after authentication and before authorization: session checks, notification streams, relayed answers.</summary>
    public static IApplicationBuilder UseMcpSessions(this IApplicationBuilder app) => app.UseMiddleware<SessionGate>();

    public static IEndpointRouteBuilder MapMcpEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Building the tools, prompts and resources (reflection, JSON schemas) is the bulk of a cold start's first
        // request: start it now, on another core, while the server finishes starting.
        var options = endpoints.ServiceProvider.GetRequiredService<IOptionsFactory<McpServerOptions>>();
        _ = Task.Run(() => options.Create(Options.DefaultName));

        endpoints.MapMcp("/mcp").RequireAuthorization(AuthExtensions.McpCallerPolicy);

        // Resolved per request (a singleton), so mapping does not build the storage graph at start-up.
        endpoints.MapGet("/sse", context => context.RequestServices.GetRequiredService<LegacySseEndpoint>().HandleStreamAsync(context))
            .RequireAuthorization(AuthExtensions.McpCallerPolicy);
        endpoints.MapPost("/message", context => context.RequestServices.GetRequiredService<LegacySseEndpoint>().HandleMessageAsync(context))
            .RequireAuthorization(AuthExtensions.McpCallerPolicy);
        return endpoints;
    }

    /// <summary>Adds the pending-request filters, which need DI services that the SDK's filter builder cannot give.</summary>
    private sealed class PendingClientRequestFilters(PendingClientRequests pending) : IConfigureOptions<McpServerOptions>
    {
        public void Configure(McpServerOptions options)
        {
            options.Filters.Message.OutgoingFilters.Add(pending.RecordOutgoing);
            options.Filters.Message.IncomingFilters.Add(pending.RouteAnswers);
        }
    }
}
