using System.Text.Json;
using System.Text.Json.Serialization;
using McpFunctions.Auth;
using McpFunctions.Resources;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Mcp;

public static class McpExtensions
{
    public static IServiceCollection AddMcp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<McpOptions>()
            .Bind(configuration.GetSection(McpOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = configuration.GetSection(McpOptions.SectionName).Get<McpOptions>() ?? new McpOptions();

        services.AddSingleton<LiveSessions>();
        services.AddSingleton<LegacySseEndpoint>();

        var assembly = typeof(McpExtensions).Assembly;

        // Tool results always carry every property (null included), so structured content matches the
        // generated output schema, which lists nullable properties as required.
        var toolJson = new JsonSerializerOptions(McpJsonUtilities.DefaultOptions) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };
        services.AddMcpServer(server =>
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
#pragma warning disable MCPEXP002 // RunSessionHandler: the one place to learn when a session starts and ends.
                http.RunSessionHandler = RunSessionAsync;
#pragma warning restore MCPEXP002
            })
            .AddAuthorizationFilters()
            .WithToolsFromAssembly(assembly, toolJson)
            .WithPromptsFromAssembly(assembly)
            .WithResourcesFromAssembly(assembly)
            .WithListResourcesHandler(FileResources.ListAsync)
            .WithSubscribeToResourcesHandler(FileResources.SubscribeAsync)
            .WithUnsubscribeFromResourcesHandler(FileResources.UnsubscribeAsync)
            .WithRequestFilters(filters => filters.AddCallToolFilter(ToolArgumentCheck.Filter));

        return services;
    }

    public static IEndpointRouteBuilder MapMcpEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMcp("/mcp").RequireAuthorization(AuthExtensions.McpCallerPolicy);

        var legacy = endpoints.ServiceProvider.GetRequiredService<LegacySseEndpoint>();
        endpoints.MapGet("/sse", legacy.HandleStreamAsync).RequireAuthorization(AuthExtensions.McpCallerPolicy);
        endpoints.MapPost("/message", legacy.HandleMessageAsync).RequireAuthorization(AuthExtensions.McpCallerPolicy);
        return endpoints;
    }

    private static async Task RunSessionAsync(HttpContext context, ModelContextProtocol.Server.McpServer server, CancellationToken cancellationToken)
    {
        var sessions = context.RequestServices.GetRequiredService<LiveSessions>();
        using (sessions.Track(server, Caller.From(context.User).PartitionKey))
        {
            await server.RunAsync(cancellationToken);
        }
    }
}
