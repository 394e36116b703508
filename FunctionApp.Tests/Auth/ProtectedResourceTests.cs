using System.Net;
using System.Text.Json;
using McpFunctions.Auth;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Auth;

/// <summary>Protected resource metadata (RFC 9728) and the Bearer challenge that points to it, over real HTTP.</summary>
public sealed class ProtectedResourceTests
{
    private const string PublicHost = "mcp.contoso.example";

    [TestCase("/.well-known/oauth-protected-resource/mcp")]
    [TestCase("/.well-known/oauth-protected-resource")]
    public async Task The_metadata_names_the_MCP_endpoint_as_the_resource_with_its_scopes(string path)
    {
        using var http = TestRun.Server.CreateHttpClient();

        using var response = await http.GetAsync(path);
        var metadata = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(metadata.GetProperty("resource").GetString(), Is.EqualTo(TestRun.Server.Url("/mcp").ToString()));
        Assert.That(metadata.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()), Is.EqualTo(McpScopes.All));
        Assert.That(metadata.GetProperty("scopes_supported").EnumerateArray().Select(s => s.GetString()),
            Is.SupersetOf(new[] { "notes.read", "notes.write", "files.read", "files.write" }));
        Assert.That(metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(s => s.GetString()), Is.EqualTo(new[] { "header" }));
        Assert.That(metadata.GetProperty("authorization_servers").GetArrayLength(), Is.Zero, "none configured in the test run");
    }

    [Test]
    public async Task Behind_a_proxy_the_resource_and_the_challenge_use_the_public_name_and_the_configured_servers_are_listed()
    {
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Hosting:AllowedHosts:0"] = PublicHost,
            ["Auth:AuthorizationServers:0"] = "https://login.microsoftonline.com/tenant-id/v2.0",
            ["Auth:AuthorizationServers:1"] = $"https://{PublicHost}",
        }).Start();
        using var http = server.CreateHttpClient();

        using var metadataRequest = Forwarded(new HttpRequestMessage(HttpMethod.Get, "/.well-known/oauth-protected-resource/mcp"));
        using var metadataResponse = await http.SendAsync(metadataRequest);
        var metadata = JsonDocument.Parse(await metadataResponse.Content.ReadAsStringAsync()).RootElement;
        using var unauthenticated = Forwarded(McpRequests.Post("/mcp", McpRequests.Initialize));
        unauthenticated.Headers.Add("X-Local-Developer", "Not Valid!");
        using var challenged = await http.SendAsync(unauthenticated);

        Assert.That(metadata.GetProperty("resource").GetString(), Is.EqualTo($"https://{PublicHost}/mcp"));
        Assert.That(metadata.GetProperty("authorization_servers").EnumerateArray().Select(s => s.GetString()),
            Is.EqualTo(new[] { "https://login.microsoftonline.com/tenant-id/v2.0", $"https://{PublicHost}" }));
        Assert.That(challenged.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(challenged.Headers.WwwAuthenticate.ToString(),
            Does.Contain($"resource_metadata=\"https://{PublicHost}/.well-known/oauth-protected-resource/mcp\""));

        static HttpRequestMessage Forwarded(HttpRequestMessage request)
        {
            request.Headers.Add("X-Forwarded-Host", PublicHost);
            request.Headers.Add("X-Forwarded-Proto", "https");
            return request;
        }
    }

    [Test]
    public async Task A_request_that_fails_sign_in_gets_401_with_a_Bearer_challenge_naming_the_metadata_and_the_scopes()
    {
        using var http = TestRun.Server.CreateHttpClient();
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Add("X-Local-Developer", "NOT-LOWER-CASE");

        using var response = await http.SendAsync(request);
        var challenge = response.Headers.WwwAuthenticate.Single();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(challenge.Scheme, Is.EqualTo("Bearer"));
        Assert.That(challenge.Parameter, Is.EqualTo(
            $"resource_metadata=\"{TestRun.Server.Url("/.well-known/oauth-protected-resource/mcp")}\", scope=\"{string.Join(' ', McpScopes.All)}\""));
        ResponseBody.AssertRevealsNoInternals(await response.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task The_metadata_is_public_and_cacheable_and_other_well_known_paths_are_not_served()
    {
        using var http = new HttpClient { BaseAddress = TestRun.Server.BaseAddress };

        using var metadata = await http.GetAsync("/.well-known/oauth-protected-resource/mcp");
        using var other = await http.GetAsync("/.well-known/oauth-protected-resource/sse");

        Assert.That(metadata.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(metadata.Headers.CacheControl?.Public, Is.True);
        Assert.That(other.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }
}
