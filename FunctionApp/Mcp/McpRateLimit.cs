using System.Threading.RateLimiting;
using McpFunctions.Auth;
using McpFunctions.Hosting;
using Microsoft.AspNetCore.RateLimiting;

namespace McpFunctions.Mcp;

/// <summary>
/// MCP requests per signed-in user on this instance, as a token bucket: an agent's burst of parallel tool calls passes
/// whole (<see cref="RateLimitOptions.McpBurst"/>), while a client stuck in a loop is held to
/// <see cref="RateLimitOptions.McpRequestsPerMinute"/>.
/// </summary>
/// <remarks>
/// Runs after authentication, so the user is counted whichever token, session or route they come with. Not counted:
/// a request without a user (it is refused with 401 without reaching storage), and a request the relay replays to
/// this process (it was counted on the instance it reached, and was already accepted there).
/// </remarks>
internal sealed class McpRateLimit(IOptionsMonitor<RateLimitOptions> options) : IRateLimiterPolicy<string>
{
    public const string PolicyName = "mcp-user";

    // User ids are never empty, so requests that are not counted never share a partition with a user.
    private const string NotCounted = "";

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } =
        (rejected, _) => ErrorResponses.WriteRateLimitedAsync(rejected, "Too many MCP requests from this user.");

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        if (RelayedUser.IsRelayed(httpContext) || Caller.TryIdOf(httpContext.User) is not { } id)
        {
            return RateLimitPartition.GetNoLimiter(NotCounted);
        }

        var limits = options.CurrentValue;
        return RateLimitPartition.GetTokenBucketLimiter(id, _ => Bucket(limits));
    }

    /// <summary>
    /// The bucket for the configured rate, exactly, with a refill period of at least a second (the partitioned limiter
    /// refills on a 100 ms timer, so a finer period would not be honoured): one token at a time up to 60 a minute,
    /// otherwise the smallest whole number of tokens that a whole number of seconds brings (200 a second for 12,000 a
    /// minute, 5 every 3 seconds for 100).
    /// </summary>
    public static TokenBucketRateLimiterOptions Bucket(RateLimitOptions limits)
    {
        var perMinute = limits.McpRequestsPerMinute;
        var divisor = GreatestCommonDivisor(perMinute, 60);
        var (tokens, seconds) = perMinute <= 60 ? (1, 60.0 / perMinute) : (perMinute / divisor, 60.0 / divisor);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.McpBurst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = TimeSpan.FromSeconds(seconds),
            QueueLimit = 0,
        };
    }

    private static int GreatestCommonDivisor(int a, int b) => b == 0 ? a : GreatestCommonDivisor(b, a % b);
}
