using System.Net;
using System.Text.Json;
using McpFunctions.Hosting;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Hosting;

/// <summary>The Host/Origin allowlist (DNS-rebinding and cross-site protection), over real HTTP.</summary>
public sealed class RequestGuardTests
{
    private const string ForeignOrigin = "http://evil.example.com";
    private const string PublicHost = "mcp.contoso.example";

    private HttpClient _http = null!;

    [SetUp]
    public void CreateClient() => _http = TestRun.Server.CreateHttpClient();

    [TearDown]
    public void DisposeClient() => _http.Dispose();

    [TestCase("POST", "/mcp")]
    [TestCase("GET", "/sse")]
    [TestCase("POST", "/message?sessionId=anything")]
    public async Task A_foreign_Origin_is_refused_with_a_JSON_RPC_error(string method, string path)
    {
        using var request = method == "GET" ? McpRequests.Get(path) : McpRequests.Post(path, McpRequests.Initialize);
        request.Headers.Add("Origin", ForeignOrigin);

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var reply = await JsonRpcReply.ReadAsync(response);
        Assert.That(reply.ErrorCode, Is.EqualTo(-32000));
        Assert.That(reply.ErrorMessage, Does.Contain(ForeignOrigin));
        Assert.That(reply.Message.GetProperty("id").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [TestCase("http://localhost:6274")]
    [TestCase("http://127.0.0.1:6274")]
    [TestCase("http://[::1]:6274")]
    public async Task A_loopback_Origin_such_as_the_Inspector_may_initialize(string origin)
    {
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Add("Origin", origin);

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Headers.Contains("Mcp-Session-Id"));
        var reply = await JsonRpcReply.ReadAsync(response);
        Assert.That(reply.Message.GetProperty("result").GetProperty("protocolVersion").GetString(), Is.EqualTo(Clients.SessionRevision));
    }

    [Test]
    public async Task A_loopback_Origin_may_open_the_legacy_SSE_stream()
    {
        using var request = McpRequests.Get("/sse");
        request.Headers.Add("Origin", "http://localhost:6274");

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/event-stream"));
    }

    [Test]
    public async Task The_opaque_null_Origin_is_refused()
    {
        // Sandboxed iframes and file:// pages send "Origin: null"; it names no site, so nothing can allow it.
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Add("Origin", "null");

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await JsonRpcReply.ReadAsync(response)).ErrorMessage, Does.Contain("'null'"));
    }

    [Test]
    public async Task A_foreign_Host_is_refused_on_the_MCP_endpoint_with_a_JSON_RPC_error()
    {
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Host = "evil.example.com";

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var reply = await JsonRpcReply.ReadAsync(response);
        Assert.That(reply.ErrorMessage, Does.Contain("evil.example.com"));
    }

    [Test]
    public async Task A_foreign_Host_is_refused_elsewhere_with_an_OAuth_style_error()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "evil.example.com:7071";

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var body = await response.Content.ReadAsStringAsync();
        ResponseBody.AssertRevealsNoInternals(body);
        using var json = JsonDocument.Parse(body);
        Assert.That(json.RootElement.GetProperty("error").GetString(), Is.EqualTo("forbidden_host"));
    }

    [TestCase("localhost:7071")]
    [TestCase("127.0.0.1")]
    [TestCase("[::1]:8080")]
    public async Task A_loopback_Host_on_any_port_is_served(string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = host;

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task X_Forwarded_Host_from_loopback_replaces_Host_before_the_check()
    {
        // Observed: the test client is a loopback peer, so UseForwardedHeaders applies X-Forwarded-Host and the
        // guard judges the forwarded name, not the connection's Host (127.0.0.1:port, which alone is allowed).
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("X-Forwarded-Host", "evil.example.com");

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("evil.example.com"));
    }

    [Test]
    public async Task Behind_a_proxy_the_forwarded_public_host_and_scheme_make_its_own_pages_same_origin()
    {
        // How the Functions host (or any reverse proxy on loopback) presents a public name: X-Forwarded-Host and
        // -Proto. With that name allowed, a browser page served from it is same-origin; plain http is not.
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Hosting:AllowedHosts:0"] = PublicHost,
        }).Start();
        using var http = server.CreateHttpClient();

        using var sameOrigin = Forwarded(McpRequests.Post("/mcp", McpRequests.Initialize), $"https://{PublicHost}");
        using var allowed = await http.SendAsync(sameOrigin);
        using var downgraded = Forwarded(McpRequests.Post("/mcp", McpRequests.Initialize), $"http://{PublicHost}");
        using var refused = await http.SendAsync(downgraded);

        Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK), await allowed.Content.ReadAsStringAsync());
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await JsonRpcReply.ReadAsync(refused)).ErrorMessage, Does.Contain($"http://{PublicHost}"));

        static HttpRequestMessage Forwarded(HttpRequestMessage request, string origin)
        {
            request.Headers.Add("X-Forwarded-Host", PublicHost);
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("Origin", origin);
            return request;
        }
    }

    [Test]
    public async Task A_rebinding_page_cannot_pass_the_Origin_check_by_forging_X_Forwarded_Host()
    {
        // A DNS-rebinding page is same-origin with its own (foreign) name, so it may add any header and its
        // POSTs carry its Origin. Forging a loopback X-Forwarded-Host must not make that Origin acceptable.
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Host = "evil.example.com:7071";
        request.Headers.Add("X-Forwarded-Host", "localhost:7071");
        request.Headers.Add("Origin", "http://evil.example.com:7071");

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task A_rebinding_page_cannot_launder_its_foreign_Host_through_X_Forwarded_Host()
    {
        // Same-origin GETs carry no Origin, so for GET /sse the Host check is the only defence against DNS
        // rebinding. A loopback X-Forwarded-Host forged by the page must not hide the foreign Host it came with.
        using var request = McpRequests.Get("/sse");
        request.Headers.Host = "evil.example.com:7071";
        request.Headers.Add("X-Forwarded-Host", "localhost:7071");

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden),
            "X-Forwarded-Host replaced the foreign Host before RequestGuard looked at it (see X-Original-Host).");
    }
}
