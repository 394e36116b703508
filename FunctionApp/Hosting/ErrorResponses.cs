using System.Globalization;
using System.Threading.RateLimiting;
using McpFunctions.Mcp;
using Microsoft.AspNetCore.RateLimiting;

namespace McpFunctions.Hosting;

/// <summary>Error bodies for requests refused before they reach an endpoint: JSON-RPC on MCP routes, OAuth-style JSON elsewhere.</summary>
internal static class ErrorResponses
{
    public static Task WriteAsync(HttpContext context, int status, string error, string description)
    {
        if (McpRoutes.IsAny(context.Request.Path))
        {
            return McpResponses.WriteErrorAsync(context, status, McpResponses.RequestRefused, description);
        }

        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(new OAuthStyleErrorBody(error, description));
    }

    /// <summary>
    /// A request over a rate limit: 429 with <c>Retry-After</c> (from the limiter, or a minute when it cannot say),
    /// and the error body of the route (a JSON-RPC error on MCP routes).
    /// </summary>
    /// <remarks>
    /// <c>temporarily_unavailable</c> is the RFC 6749 code for "try again later"; OAuth clients know it, where an
    /// invented code would mean nothing to them.
    /// </remarks>
    public static ValueTask WriteRateLimitedAsync(OnRejectedContext rejected, string description)
    {
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 60;
        var context = rejected.HttpContext;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(WriteAsync(context, StatusCodes.Status429TooManyRequests, "temporarily_unavailable",
            $"{description} Retry after {seconds} s (Retry-After)."));
    }

    private sealed record OAuthStyleErrorBody(
        [property: System.Text.Json.Serialization.JsonPropertyName("error")] string Error,
        [property: System.Text.Json.Serialization.JsonPropertyName("error_description")] string ErrorDescription);
}
