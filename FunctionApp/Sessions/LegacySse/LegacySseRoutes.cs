using McpFunctions.Mcp;

namespace McpFunctions.Sessions.LegacySse;

internal static class LegacySseRoutes
{
    /// <summary>
    /// Maps the legacy stream and its message endpoint. The endpoint is resolved per request (a singleton), so
    /// mapping does not build the storage graph at start-up.
    /// </summary>
    public static IEndpointConventionBuilder MapLegacySse(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("");
        group.MapGet(McpRoutes.LegacySse, context => context.RequestServices.GetRequiredService<LegacySseEndpoint>().HandleStreamAsync(context));
        group.MapPost(McpRoutes.LegacyMessage, context => context.RequestServices.GetRequiredService<LegacySseEndpoint>().HandleMessageAsync(context));
        return group;
    }
}
