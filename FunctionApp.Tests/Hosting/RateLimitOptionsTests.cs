using McpFunctions.Hosting;
using McpFunctions.Mcp;

namespace McpFunctions.Tests.Hosting;

/// <summary>The rate-limit settings: their start-up validation, and the token bucket the per-user MCP limit builds from them.</summary>
public sealed class RateLimitOptionsTests
{
    [Test]
    public void The_defaults_are_valid()
    {
        Assert.That(new RateLimitOptionsValidator().Validate(null, new RateLimitOptions()).Succeeded, Is.True);
    }

    [TestCase(nameof(RateLimitOptions.McpRequestsPerMinute))]
    [TestCase(nameof(RateLimitOptions.McpBurst))]
    [TestCase(nameof(RateLimitOptions.OAuthRequestsPerMinute))]
    public void A_limit_of_zero_is_refused_with_the_setting_named(string setting)
    {
        var options = setting switch
        {
            nameof(RateLimitOptions.McpRequestsPerMinute) => new RateLimitOptions { McpRequestsPerMinute = 0 },
            nameof(RateLimitOptions.McpBurst) => new RateLimitOptions { McpBurst = 0 },
            _ => new RateLimitOptions { OAuthRequestsPerMinute = 0 },
        };

        var result = new RateLimitOptionsValidator().Validate(null, options);

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain(setting));
    }

    [TestCase(1, 1, 60.0)]
    [TestCase(7, 1, 60.0 / 7)]
    [TestCase(60, 1, 1.0)]
    [TestCase(100, 5, 3.0)]
    [TestCase(61, 61, 60.0)]
    [TestCase(12_000, 200, 1.0)]
    [TestCase(100_000_000, 5_000_000, 3.0)]
    public void The_bucket_refills_at_exactly_the_configured_rate_and_at_most_once_a_second(int perMinute, int tokens, double seconds)
    {
        var bucket = McpRateLimit.Bucket(new RateLimitOptions { McpRequestsPerMinute = perMinute, McpBurst = 9 });

        Assert.That(bucket.TokenLimit, Is.EqualTo(9));
        Assert.That(bucket.TokensPerPeriod, Is.EqualTo(tokens));
        Assert.That(bucket.QueueLimit, Is.Zero);
        Assert.That(bucket.ReplenishmentPeriod, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)));
        Assert.That(bucket.ReplenishmentPeriod.TotalSeconds, Is.EqualTo(seconds).Within(0.001));
        Assert.That(bucket.TokensPerPeriod * 60 / bucket.ReplenishmentPeriod.TotalSeconds, Is.EqualTo(perMinute).Within(0.01));
    }
}
