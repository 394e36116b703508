using System.Net;
using McpFunctions.Mcp;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace McpFunctions.Hosting;

/// <summary>
/// Refuses requests before any endpoint runs: unknown Host (DNS rebinding), foreign Origin, oversized body,
/// and non-JSON posts to the MCP routes (which would otherwise fail deep inside the SDK). It is also the one
/// place that sets the request body limit.
/// </summary>
/// <remarks>
/// Host names are matched by ASP.NET Core's own host-filtering matcher (<see cref="HostString.MatchesAny"/>). Its
/// middleware is not used: it checks one host and answers 400 with an HTML page, while this guard checks both the
/// host the connection named and the forwarded one, and answers 403 with a reason, as MCP servers do for a
/// rebinding Origin. ASP.NET Core has no Origin allowlist outside CORS (which only adds headers), so that rule is ours.
/// </remarks>
internal sealed class RequestGuard(RequestDelegate next, IOptionsMonitor<HostingOptions> options, IEnumerable<CrossSiteFormCallback> callbacks, ILogger<RequestGuard> logger)
{
    private readonly PathString[] _crossSiteFormPaths = [.. callbacks.Select(c => c.Path)];

    private static readonly string? WebsiteHostName = Environment.GetEnvironmentVariable("WEBSITE_HOSTNAME");

    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;
        var request = context.Request;
        AddSecurityHeaders(context.Response.Headers);

        // Behind a proxy the forwarded-headers middleware swaps in X-Forwarded-Host and keeps the host the
        // connection really named in X-Original-Host; both must be ours, or a rebinding page could launder its Host.
        var host = request.Host.Host;
        var originalHost = request.Headers["X-Original-Host"].ToString();
        if (originalHost.Length > 0 && !IsAllowedHost(HostString.FromUriComponent(originalHost).Host, settings))
        {
            host = HostString.FromUriComponent(originalHost).Host;
        }

        if (!IsAllowedHost(host, settings))
        {
            logger.LogWarning("Refused request for host {Host}", host);
            return ErrorResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden_host",
                $"Forbidden: the host '{host}' is not served here. Add it to Hosting:AllowedHosts if it is yours.");
        }

        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(origin, request, settings) && !IsCrossSiteFormCallback(request))
        {
            logger.LogWarning("Refused request from origin {Origin}", origin);
            return ErrorResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "forbidden_origin",
                $"Forbidden: requests from the origin '{origin}' are not allowed. Add it to Hosting:AllowedOrigins if it is yours.");
        }

        // A declared length over the limit is refused at once; a body without one (chunked) trips the same
        // limit while it is read, and the exception handler answers 413.
        if (request.ContentLength > settings.MaxRequestBodyBytes)
        {
            return ErrorResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "request_too_large",
                $"The request body is {request.ContentLength} bytes; the limit is {settings.MaxRequestBodyBytes} bytes.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = settings.MaxRequestBodyBytes;
        }

        if (HttpMethods.IsPost(request.Method) && McpRoutes.IsAny(request.Path) && !IsJson(request.ContentType))
        {
            return ErrorResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                $"Unsupported Media Type: MCP messages must be sent with 'Content-Type: application/json' (got '{request.ContentType}').");
        }

        return next(context);
    }

    private bool IsCrossSiteFormCallback(HttpRequest request) =>
        _crossSiteFormPaths.Length > 0 && HttpMethods.IsPost(request.Method) && request.HasFormContentType
        && _crossSiteFormPaths.Contains(request.Path);

    private static void AddSecurityHeaders(IHeaderDictionary headers)
    {
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = "frame-ancestors 'none'";
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (parsed.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || parsed.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    internal static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));

    /// <summary>Loopback, the app's own Azure host name, or a pattern of Hosting:AllowedHosts (exact, <c>*.example.com</c> or <c>*</c>).</summary>
    internal static bool IsAllowedHost(string host, HostingOptions settings) =>
        IsLoopbackHost(host)
        || host.Equals(WebsiteHostName, StringComparison.OrdinalIgnoreCase)
        || (settings.AllowedHosts.Length > 0 && HostString.MatchesAny(host, settings.AllowedHosts.Select(h => new StringSegment(h)).ToArray()));

    internal static bool IsAllowedOrigin(string origin, HttpRequest request, HostingOptions settings)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return false; // includes the opaque origin "null"
        }

        // Same origin as the request itself (this server's own pages), or a configured / loopback origin.
        return (uri.Scheme == request.Scheme && uri.Authority.Equals(request.Host.Value, StringComparison.OrdinalIgnoreCase))
            || IsListedOrigin(uri, settings);
    }

    /// <summary>Loopback (when allowed) or configured origins: the ones that may also call cross-origin (CORS).</summary>
    internal static bool IsListedOrigin(Uri origin, HostingOptions settings)
    {
        if (settings.AllowLoopbackOrigins && IsLoopbackHost(origin.Host))
        {
            return true;
        }

        foreach (var allowed in settings.AllowedOrigins)
        {
            if (allowed == "*"
                || (Uri.TryCreate(allowed, UriKind.Absolute, out var allowedUri)
                    && allowedUri.Scheme == origin.Scheme
                    && allowedUri.Authority.Equals(origin.Authority, StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
