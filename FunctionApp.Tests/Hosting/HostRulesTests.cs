using McpFunctions.Hosting;

namespace McpFunctions.Tests.Hosting;

/// <summary>The Host and Origin allowlists without a server: loopback, configured patterns, and look-alikes.</summary>
public sealed class HostRulesTests
{
    private static readonly HostingOptions Configured = new() { AllowedHosts = ["mcp.example.com", "*.contoso.net"], AllowedOrigins = ["https://claude.ai"] };

    [TestCase("localhost")]
    [TestCase("LOCALHOST")]
    [TestCase("127.0.0.1")]
    [TestCase("127.0.0.2")]
    [TestCase("[::1]")]
    public void Loopback_hosts_are_always_allowed(string host)
    {
        Assert.That(RequestGuard.IsAllowedHost(host, new HostingOptions()), Is.True);
    }

    [TestCase("mcp.example.com", true)]
    [TestCase("MCP.Example.COM", true)]
    [TestCase("api.contoso.net", true)]
    [TestCase("a.b.contoso.net", true)]
    [TestCase("contoso.net", false)]
    [TestCase("evilcontoso.net", false)]
    [TestCase("mcp.example.com.evil.io", false)]
    [TestCase("example.com", false)]
    [TestCase("10.0.0.1", false)]
    public void Configured_hosts_match_exactly_or_as_subdomain_patterns(string host, bool allowed)
    {
        Assert.That(RequestGuard.IsAllowedHost(host, Configured), Is.EqualTo(allowed));
    }

    [Test]
    public void Without_configured_hosts_only_loopback_is_allowed_and_a_star_allows_any()
    {
        Assert.That(RequestGuard.IsAllowedHost("mcp.example.com", new HostingOptions()), Is.False);
        Assert.That(RequestGuard.IsAllowedHost("anything.example", new HostingOptions { AllowedHosts = ["*"] }), Is.True);
    }

    [TestCase("http://localhost:6274", true)]
    [TestCase("http://127.0.0.1:5173", true)]
    [TestCase("https://claude.ai", true)]
    [TestCase("https://claude.ai:443", true)]
    [TestCase("http://claude.ai", false)]
    [TestCase("https://claude.ai.evil.io", false)]
    [TestCase("https://evil.example", false)]
    public void Listed_origins_are_loopback_or_configured_with_the_same_scheme(string origin, bool allowed)
    {
        Assert.That(RequestGuard.IsListedOrigin(new Uri(origin), Configured), Is.EqualTo(allowed));
    }

    [Test]
    public void Loopback_origins_can_be_switched_off()
    {
        Assert.That(RequestGuard.IsListedOrigin(new Uri("http://localhost:6274"), new HostingOptions { AllowLoopbackOrigins = false }), Is.False);
    }
}
