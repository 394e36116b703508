using System.Collections.Frozen;
using System.Text.Json.Nodes;
using McpFunctions.Mcp;

namespace McpFunctions.Auth;

/// <summary>
/// A call to a tool the caller's token does not grant gets HTTP 403 with <c>WWW-Authenticate: Bearer
/// error="insufficient_scope", scope="…", resource_metadata="…"</c>, so the client can ask the user for more
/// (step-up), instead of a JSON-RPC error inside a 200. The scopes a tool needs come from its
/// <see cref="RequiresScopeAttribute"/>s, the same ones the SDK's authorization filters use to hide it from lists.
/// </summary>
/// <remarks>
/// A caller holding every scope (the usual case) costs one pass over its claims; only a caller with fewer scopes has
/// its request body read here.
/// </remarks>
internal sealed class ToolScopeStepUp(RequestDelegate next, IOptions<McpServerOptions> mcp)
{
    private FrozenDictionary<string, string[]>? _required;

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        return HttpMethods.IsPost(request.Method) && McpRoutes.IsAny(request.Path)
            && context.User.Identity?.IsAuthenticated == true && !McpScopes.AllHeldBy(context.User)
                ? CheckAsync(context)
                : next(context);
    }

    private async Task CheckAsync(HttpContext context)
    {
        var request = context.Request;
        var body = await JsonRpcMessages.PeekBodyAsync(request, context.RequestAborted);

        foreach (var message in body is JsonArray batch ? batch.OfType<JsonObject>() : body is JsonObject single ? [single] : [])
        {
            if (message["method"] is JsonValue method && method.TryGetValue<string>(out var name) && name == RequestMethods.ToolsCall
                && message["params"]?["name"] is JsonValue tool && tool.TryGetValue<string>(out var toolName)
                && Required(toolName).Where(scope => !McpScopes.IsHeldBy(context.User, scope)).ToArray() is { Length: > 0 } missing)
            {
                var wanted = McpScopes.All.Where(scope => missing.Contains(scope) || McpScopes.IsHeldBy(context.User, scope));
                ProtectedResource.AddChallenge(context.Response, "insufficient_scope", wanted);
                await McpResponses.WriteErrorAsync(context, StatusCodes.Status403Forbidden, McpResponses.RequestRefused,
                    $"Forbidden: the tool '{toolName}' needs the scope {string.Join(" and ", missing)}, which this access token does not grant. Sign in again and allow it.",
                    id: message["id"]);
                return;
            }
        }

        await next(context);
    }

    private string[] Required(string toolName)
    {
        _required ??= mcp.Value.ToolCollection?
            .ToFrozenDictionary(
                tool => tool.ProtocolTool.Name,
                tool => tool.Metadata.OfType<RequiresScopeAttribute>().Select(a => a.Scope).Distinct().ToArray(),
                StringComparer.Ordinal)
            ?? FrozenDictionary<string, string[]>.Empty;
        return _required.TryGetValue(toolName, out var scopes) ? scopes : [];
    }
}
