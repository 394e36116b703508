using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using McpFunctions.Auth;
using McpFunctions.Conformance;
using McpFunctions.Features;
using McpFunctions.Hosting;
using McpFunctions.Sessions;
using McpFunctions.Sessions.Cluster;
using McpFunctions.Sessions.LegacySse;
using McpFunctions.Sessions.State;
using McpFunctions.Sessions.Streams;
using McpFunctions.Tasks;
using ModelContextProtocol.AspNetCore;

#pragma warning disable MCP9005 // logging/setLevel is how 2025-11-25 sessions choose their log level

namespace McpFunctions.Mcp;

/// <summary>The MCP server: the SDK's composition, the request filters, and the routes.</summary>
internal static class McpExtensions
{
    public static IServiceCollection AddMcp(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<McpOptions>().Bind(configuration.GetSection(McpOptions.SectionName));
        var options = configuration.GetSection(McpOptions.SectionName).Get<McpOptions>() ?? new McpOptions();
        var sessionLifetime = configuration.GetSection(McpOptions.SectionName).Get<SessionLifetimeOptions>() ?? new SessionLifetimeOptions();
        if (options.ConformanceFixtures && !environment.IsDevelopment())
        {
            throw new StartupConfigurationException($"{ConformanceFixtures.SettingName} is set, but conformance fixtures are only allowed in Development.");
        }

        services.AddSessions(configuration).AddFeatures().AddTasks(configuration);
        services.AddSingleton<ClientLog>();
        services.AddSingleton<RequestStateProtector>();
        services.AddSingleton<IOptionsFactory<McpServerOptions>, ReusedServerOptions>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy<string, McpRateLimit>(McpRateLimit.PolicyName);
        });

        // Tool results always carry every property (null included), so structured content matches the
        // generated output schema, which lists nullable properties as required.
        var toolJson = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            TypeInfoResolver = JsonTypeInfoResolver.Combine(FeatureExtensions.ToolJson, McpJsonUtilities.DefaultOptions.TypeInfoResolver),
        };

        var mcp = services.AddMcpServer(server =>
            {
                server.ServerInfo = new Implementation
                {
                    Name = "McpFunctions",
                    Title = "McpFunctions",
                    Version = typeof(McpExtensions).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
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
                // An idle session costs no memory for long: its row restores it on its next request (SessionMigration).
                http.IdleTimeout = sessionLifetime.SessionMemoryIdleTimeout < sessionLifetime.SessionIdleTimeout
                    ? sessionLifetime.SessionMemoryIdleTimeout
                    : sessionLifetime.SessionIdleTimeout;
            })
            .AddAuthorizationFilters()
            .WithFeatures(toolJson)
            .WithReadResourceHandler(UnknownResources.ReadAsync)
            .WithSetLoggingLevelHandler(ClientLog.SetLevelAsync)
            .WithRequestFilters(filters => filters
                .AddCallToolFilter(ToolCallAudit.Filter)
                .AddCallToolFilter(ToolArgumentCheck.Filter)
                .AddCallToolFilter(DomainErrors.ToolFilter))
            .WithMessageFilters(filters => filters.AddIncomingFilter(DomainErrors.MessageFilter));

        if (options.ConformanceFixtures)
        {
            mcp.WithConformanceFixtures();
        }

        return services;
    }

    /// <summary>
    /// Runs after authentication and before authorization, in this order: the instance header (diagnostics), the
    /// per-user rate limit, the transport's HTTP rules, the session gate, the admitted session's streams, and the end
    /// of a deleted session.
    /// </summary>
    public static IApplicationBuilder UseMcpSessions(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<ClusterOptions>>().Value.ExposeInstanceHeader)
        {
            app.UseMiddleware<InstanceHeader>();
        }

        // Only MCP routes here: the other routes went through the rate limiter before the authorization server (UseAuth,
        // when it runs), and a second pass would count them twice. A refused request costs no session or storage read.
        app.UseWhen(context => McpRoutes.IsAny(context.Request.Path), branch => branch.UseRateLimiter());

        // Scale-in: events of response streams still waiting to be stored are stored now, so a client cut off by the
        // shutdown resumes its stream on another instance (NotificationStream ends its streams with a retry hint).
        var streams = app.ApplicationServices.GetRequiredService<Sessions.Streams.PersistDelayQueue>();
        app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(streams.PersistAllNow);
        return app
            .UseMiddleware<McpRequestRules>()
            .UseMiddleware<SessionGate>()
            .UseMiddleware<SessionStreamRouting>()
            .UseMiddleware<SessionEnding>();
    }

    public static IEndpointRouteBuilder MapMcpEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Building the tools, prompts and resources (reflection, JSON schemas) is the bulk of a cold start's first
        // request: start it now, on another core, while the server finishes starting.
        var options = endpoints.ServiceProvider.GetRequiredService<IOptionsFactory<McpServerOptions>>();
        _ = Task.Run(() => options.Create(Options.DefaultName));

        endpoints.MapMcp(McpRoutes.StreamableHttp).RequireAuthorization(AuthExtensions.McpCallerPolicy).RequireRateLimiting(McpRateLimit.PolicyName);
        endpoints.MapLegacySse().RequireAuthorization(AuthExtensions.McpCallerPolicy).RequireRateLimiting(McpRateLimit.PolicyName);
        return endpoints;
    }
}
