using System.Threading.RateLimiting;
using McpFunctions.Hosting;
using Microsoft.AspNetCore.RateLimiting;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Requests per client IP address to the authorization server's endpoints and pages, on this instance
/// (<see cref="RateLimitOptions.OAuthRequestsPerMinute"/>); nobody is signed in yet there, so the address is all there
/// is to count by. Authorize and token requests may fetch a client metadata document, so this also bounds those fetches.
/// </summary>
/// <remarks>
/// It is the rate limiter's global limiter, chosen by path, rather than an endpoint policy: OpenIddict answers
/// metadata, JWKS, revocation and its own errors in middleware, and those requests never reach an endpoint.
/// </remarks>
internal static class AddressRateLimit
{
    // Addresses and "unknown" never equal this, so requests that are not counted never share a partition with ones that are.
    private const string NotCounted = "*";

    /// <summary>The paths counted: the authorization server's endpoints, registration, and the sign-in and account pages.</summary>
    public static bool Covers(PathString path) =>
        AuthorizationServer.IsServerPath(path)
        || path.StartsWithSegments(AuthorizationServer.RegisterPath)
        || path.StartsWithSegments(LocalSignInPage.Path)
        || path.StartsWithSegments(EntraSignIn.CallbackPath)
        || path.StartsWithSegments(AccountPage.Path);

    public static PartitionedRateLimiter<HttpContext> Create(IOptionsMonitor<RateLimitOptions> options) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (!Covers(context.Request.Path))
            {
                return RateLimitPartition.GetNoLimiter(NotCounted);
            }

            var limit = options.CurrentValue.OAuthRequestsPerMinute;
            return RateLimitPartition.GetFixedWindowLimiter(context.Connection.RemoteIpAddress?.ToString() ?? "unknown", _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        });

    /// <summary>429 with <c>Retry-After</c> and an OAuth-style body, for this limit and for registration's own.</summary>
    public static ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken) =>
        ErrorResponses.WriteRateLimitedAsync(rejected, rejected.HttpContext.Request.Path.StartsWithSegments(AuthorizationServer.RegisterPath)
            ? "Too many registrations from this address."
            : "Too many requests from this address to the authorization server.");
}
