using System.ComponentModel.DataAnnotations;

namespace McpFunctions.Hosting;

/// <summary>
/// Request rate limits, each counted on one instance (configuration section <c>RateLimits</c>): per signed-in user on
/// the MCP routes, per client IP address on the authorization server's endpoints and pages.
/// </summary>
/// <remarks>
/// A safety net against a runaway client, not a quota. The defaults are far above what an agent sends; the test
/// suite, whose shared server serves one user for hundreds of tests, stays under half of them. An app on N instances
/// accepts up to N times each limit; a limit across instances needs a gateway in front (docs/deploy.md).
/// </remarks>
internal sealed record RateLimitOptions
{
    public const string SectionName = "RateLimits";

    /// <summary>MCP requests per user and minute, on each instance, once the burst is spent (a token bucket's refill rate).</summary>
    [Range(1, 100_000_000)]
    public int McpRequestsPerMinute { get; init; } = 12_000;

    /// <summary>MCP requests a user may send at once before the per-minute rate applies (the token bucket's size).</summary>
    [Range(1, 100_000_000)]
    public int McpBurst { get; init; } = 2000;

    /// <summary>Requests per client IP address and minute to the authorization server's endpoints and pages, on each instance.</summary>
    [Range(1, 100_000_000)]
    public int OAuthRequestsPerMinute { get; init; } = 600;
}

/// <summary>Checks the data annotations on <see cref="RateLimitOptions"/> with source-generated code.</summary>
[OptionsValidator]
internal sealed partial class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>;
