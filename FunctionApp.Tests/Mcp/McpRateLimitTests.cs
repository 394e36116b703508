using System.Net;
using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Mcp;

/// <summary>
/// The per-user limit on the MCP routes (RateLimits:McpBurst, RateLimits:McpRequestsPerMinute), over real HTTP, with
/// a bucket of two requests that refills one a minute, so no refill happens while a test runs.
/// </summary>
[NonParallelizable]
public sealed class McpRateLimitTests
{
    private LoopbackServer _server = null!;
    private HttpClient _http = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["RateLimits:McpBurst"] = "2",
            ["RateLimits:McpRequestsPerMinute"] = "1",
        }).Start();
        _http = _server.CreateHttpClient();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task A_user_over_the_limit_gets_429_with_Retry_After_and_a_JSON_RPC_error_while_another_user_is_served()
    {
        Assert.That(await InitializeAsync("limited-alice"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await InitializeAsync("limited-alice"), Is.EqualTo(HttpStatusCode.OK));

        using var refused = await _http.SendAsync(Initialize("limited-alice"));
        var reply = await JsonRpcReply.ReadAsync(refused);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.Headers.RetryAfter?.Delta, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(reply.ErrorCode, Is.EqualTo(-32000));
        Assert.That(reply.ErrorMessage, Does.Contain("Too many MCP requests from this user").And.Contain("Retry-After"));
        Assert.That(reply.Message.GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(await InitializeAsync("limited-bob"), Is.EqualTo(HttpStatusCode.OK), "another user has a bucket of their own");
    }

    [Test]
    public async Task The_legacy_SSE_routes_count_against_the_same_user_limit()
    {
        Assert.That(await InitializeAsync("limited-carol"), Is.EqualTo(HttpStatusCode.OK));
        Assert.That(await InitializeAsync("limited-carol"), Is.EqualTo(HttpStatusCode.OK));

        using var stream = McpRequests.Get("/sse");
        stream.Headers.Add("X-Local-Developer", "limited-carol");
        using var refused = await _http.SendAsync(stream, HttpCompletionOption.ResponseHeadersRead);

        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests));
        Assert.That(refused.Headers.RetryAfter, Is.Not.Null);
        Assert.That((await JsonRpcReply.ReadAsync(refused)).ErrorCode, Is.EqualTo(-32000));
    }

    [Test]
    public async Task Requests_without_a_user_are_not_counted_against_anyone()
    {
        for (var i = 0; i < 3; i++)
        {
            using var unauthenticated = Initialize("limited-dave");
            unauthenticated.Headers.Add("Authorization", "Bearer not-a-token");
            using var response = await _http.SendAsync(unauthenticated);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        }

        Assert.That(await InitializeAsync("limited-dave"), Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task<HttpStatusCode> InitializeAsync(string user)
    {
        using var response = await _http.SendAsync(Initialize(user));
        return response.StatusCode;
    }

    private static HttpRequestMessage Initialize(string user)
    {
        var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Add("X-Local-Developer", user);
        return request;
    }
}
