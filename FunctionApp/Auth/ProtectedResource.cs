using McpFunctions.Mcp;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol.Authentication;

namespace McpFunctions.Auth;

/// <summary>
/// This server as an OAuth protected resource (RFC 9728): its metadata document, and the Bearer challenge that
/// points a client to it. The resource is the absolute URL of the MCP endpoint as the client sees it (forwarded
/// scheme and host), so tokens are issued for, and checked against, exactly that audience (RFC 8707).
/// </summary>
/// <remarks>
/// The document is the SDK's <see cref="ProtectedResourceMetadata"/>. It is served by an endpoint rather than by the
/// SDK's <c>McpAuthenticationHandler</c>: that handler is a request handler, which ASP.NET Core instantiates for every
/// request to ask whether it is a metadata request, a cost on every tool call for a document clients fetch once.
/// </remarks>
internal static class ProtectedResource
{
    public const string MetadataPath = "/.well-known/oauth-protected-resource";

    public static string ResourceUrl(HttpRequest request) => Origin(request) + McpRoutes.StreamableHttp;

    /// <summary>The path-suffixed metadata URL (the form clients try first).</summary>
    public static string MetadataUrl(HttpRequest request) => Origin(request) + MetadataPath + McpRoutes.StreamableHttp;

    /// <summary>
    /// Adds <c>WWW-Authenticate: Bearer resource_metadata="…", scope="…"</c> to a 401, with <c>error="…"</c> first when a
    /// presented token was refused (RFC 6750).
    /// </summary>
    public static void AddChallenge(HttpResponse response, string? error = null, IEnumerable<string>? scopes = null) =>
        response.Headers.Append(HeaderNames.WWWAuthenticate,
            $"Bearer {(error is null ? "" : $"error=\"{error}\", ")}resource_metadata=\"{MetadataUrl(response.HttpContext.Request)}\", scope=\"{string.Join(' ', scopes ?? McpScopes.All)}\"");

    /// <summary>The document at the path-suffixed URL and at the root, for clients that only try the root.</summary>
    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(MetadataPath + McpRoutes.StreamableHttp, WriteAsync);
        endpoints.MapGet(MetadataPath, WriteAsync);
        return endpoints;
    }

    private static Task WriteAsync(HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<IOptionsMonitor<AuthOptions>>().CurrentValue;
        var ownServer = context.RequestServices.GetRequiredService<AuthorizationServerState>().Enabled;
        var metadata = new ProtectedResourceMetadata
        {
            Resource = ResourceUrl(context.Request),
            // This app's own authorization server has this origin as its issuer (OpenIddict writes it as an absolute URI).
            AuthorizationServers = settings.AuthorizationServers.Length > 0 ? [.. settings.AuthorizationServers]
                : ownServer ? [Issuer(context.Request)]
                : [],
            BearerMethodsSupported = ["header"],
            ScopesSupported = [.. McpScopes.All],
            ResourceName = "McpFunctions",
        };
        context.Response.Headers.CacheControl = "public, max-age=3600";
        return context.Response.WriteAsJsonAsync(metadata, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(ProtectedResourceMetadata)), contentType: null, context.RequestAborted);
    }

    /// <summary>This server as the client reached it: scheme, host and path base.</summary>
    public static string Origin(HttpRequest request) => $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase}";

    /// <summary>The issuer of this app's own authorization server: the origin as an absolute URI, as OpenIddict writes it.</summary>
    public static string Issuer(HttpRequest request) => new Uri(Origin(request)).AbsoluteUri;
}
