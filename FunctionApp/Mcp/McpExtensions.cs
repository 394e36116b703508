using System.Text.Json;
using System.Text.Json.Serialization;
using McpFunctions.Auth;
using McpFunctions.Conformance;
using McpFunctions.Hosting;
using McpFunctions.Prompts;
using McpFunctions.Resources;
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
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = configuration.GetSection(McpOptions.SectionName).Get<McpOptions>() ?? new McpOptions();
        if (options.ConformanceFixtures && !environment.IsDevelopment())
        {
            throw new StartupConfigurationException($"{ConformanceFixtures.SettingName} is set, but conformance fixtures are only allowed in Development.");
        }

        // Sessions that survive scale-out: the session row, its index, stored stream events and the relay.
        services.AddSingleton<ServerInstance>();
        services.AddSingleton<ServerInstances>();
        services.AddHostedService(sp => sp.GetRequiredService<ServerInstances>());
        services.AddSingleton<SessionStore>();
        services.AddSingleton<SessionIndex>();
        services.AddSingleton<SessionState>();
        services.AddSingleton<SessionLifecycle>();
        services.AddSingleton<SessionStreams>();
        services.AddSingleton<SessionNotifier>();
        services.AddSingleton<StreamEventTable>();
        services.AddSingleton<StreamDeliveries>();
        services.AddSingleton<NotificationStream>();
        services.AddSingleton<PendingClientRequests>();
        services.AddSingleton<RelayInbox>();
        services.AddSingleton<RelayPump>();
        services.AddHostedService(sp => sp.GetRequiredService<RelayPump>());
        services.AddHostedService<SessionSweeper>();
        services.AddSingleton<ClientLog>();
        services.AddSingleton<RequestStateProtector>();
        services.AddSingleton<LegacySseEndpoint>();
        services.AddSingleton<ISessionMigrationHandler, SessionMigration>();
        services.AddSingleton<ISseEventStreamStore, TableEventStreamStore>();
        services.AddHttpClient(RelayPump.HttpClientName);
        services.AddTransient<IConfigureOptions<McpServerOptions>, PendingClientRequestFilters>();

        var assembly = typeof(McpExtensions).Assembly;

        // Tool results always carry every property (null included), so structured content matches the
        // generated output schema, which lists nullable properties as required.
        var toolJson = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

        var mcp = services.AddMcpServer(server =>
            {
                server.ServerInfo = new Implementation
                {
                    Name = "McpFunctions",
                    Title = "McpFunctions",
                    Version = assembly.GetName().Version?.ToString(3) ?? "1.0.0",
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
        endpoints.MapMcp("/mcp").RequireAuthorization(AuthExtensions.McpCallerPolicy);

        var legacy = endpoints.ServiceProvider.GetRequiredService<LegacySseEndpoint>();
        endpoints.MapGet("/sse", legacy.HandleStreamAsync).RequireAuthorization(AuthExtensions.McpCallerPolicy);
        endpoints.MapPost("/message", legacy.HandleMessageAsync).RequireAuthorization(AuthExtensions.McpCallerPolicy);
        return endpoints;
    }

    /// <summary>Adds the pending-request filters, which need DI services that the SDK's filter builder cannot give.</summary>
    private sealed class PendingClientRequestFilters(PendingClientRequests pending) : IConfigureOptions<McpServerOptions>
    {
        public void Configure(McpServerOptions options)
        {
            options.Filters.Message.OutgoingFilters.Add(pending.RecordOutgoing);
            options.Filters.Message.IncomingFilters.Add(pending.ForgetAnswered);
        }
    }
}
