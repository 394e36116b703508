using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using McpFunctions.Mcp;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Mcp;

/// <summary>The app's own list of protocol revisions must match what the SDK serves, and the shims built on it hold.</summary>
public sealed class ProtocolRevisionTests
{
    private static readonly HttpClient Http = new();

    [TestCase("2024-11-05", false)]
    [TestCase("2025-11-25", false)]
    [TestCase("2026-07-28", true)]
    [TestCase("2027-01-01", true)]
    [TestCase("", false)]
    [TestCase(null, false)]
    public void Revisions_from_July_2026_on_are_per_request(string? version, bool perRequest)
    {
        Assert.That(ProtocolRevision.IsJuly2026OrLater(version), Is.EqualTo(perRequest));
    }

    [Test]
    public void Known_revisions_are_the_handshake_and_per_request_lists_and_nothing_else()
    {
        Assert.That(ProtocolRevision.HandshakeRevisions.Intersect(ProtocolRevision.PerRequestRevisions), Is.Empty);
        Assert.That(ProtocolRevision.HandshakeRevisions.All(ProtocolRevision.IsKnown) && ProtocolRevision.PerRequestRevisions.All(ProtocolRevision.IsKnown), Is.True);
        Assert.That(ProtocolRevision.IsKnown("2025-11-24"), Is.False);
        Assert.That(ProtocolRevision.IsKnown("1999-01-01"), Is.False);
        Assert.That(ProtocolRevision.HandshakeRevisions.All(v => !ProtocolRevision.IsJuly2026OrLater(v)), Is.True);
        Assert.That(ProtocolRevision.PerRequestRevisions.All(ProtocolRevision.IsJuly2026OrLater), Is.True);
    }

    [TestCaseSource(typeof(ProtocolRevision), nameof(ProtocolRevision.HandshakeRevisions))]
    public async Task Every_listed_handshake_revision_is_negotiated_by_initialize(string revision)
    {
        var body = JsonSerializer.Serialize(new
        {
            jsonrpc = "2.0",
            id = 1,
            method = "initialize",
            @params = new { protocolVersion = revision, capabilities = new { }, clientInfo = new { name = "t", version = "1" } },
        });
        using var response = await Http.SendAsync(Post(body, version: null));
        var message = await ReadMessageAsync(response);

        Assert.That(message.GetProperty("result").GetProperty("protocolVersion").GetString(), Is.EqualTo(revision));
    }

    [Test]
    public async Task Discover_advertises_exactly_the_listed_per_request_revisions()
    {
        using var response = await Http.SendAsync(Post(PerRequest("server/discover", 2, ProtocolRevision.July2026), ProtocolRevision.July2026));
        var message = await ReadMessageAsync(response);

        var advertised = message.GetProperty("result").GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString());
        Assert.That(advertised, Is.EqualTo(ProtocolRevision.PerRequestRevisions));
    }

    [Test]
    public async Task An_unknown_version_in_the_per_request_form_gets_400_listing_the_per_request_revisions()
    {
        using var response = await Http.SendAsync(Post(PerRequest("server/discover", 77, "1999-01-01"), "1999-01-01"));
        var message = await ReadMessageAsync(response);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(message.GetProperty("id").GetInt32(), Is.EqualTo(77));
        var error = message.GetProperty("error");
        Assert.That(error.GetProperty("code").GetInt32(), Is.EqualTo(-32022));
        Assert.That(error.GetProperty("data").GetProperty("supported").EnumerateArray().Select(v => v.GetString()), Is.EqualTo(ProtocolRevision.PerRequestRevisions));
        Assert.That(error.GetProperty("data").GetProperty("requested").GetString(), Is.EqualTo("1999-01-01"));
    }

    [Test]
    public async Task A_session_request_naming_an_older_handshake_revision_is_served_at_the_session_revision()
    {
        var session = await RawSession.InitializeAsync(Http, TestRun.Server.BaseAddress);
        using var request = Post("""{"jsonrpc":"2.0","id":5,"method":"tools/list"}""", "2025-03-26");
        request.Headers.Add("Mcp-Session-Id", session.SessionId);

        using var response = await Http.SendAsync(request);
        var message = await ReadMessageAsync(response);

        Assert.That(message.TryGetProperty("result", out var result), Is.True, message.ToString());
        Assert.That(result.GetProperty("tools").GetArrayLength(), Is.GreaterThan(0));
    }

    private static string PerRequest(string method, int id, string version) =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["jsonrpc"] = "2.0",
            ["id"] = id,
            ["method"] = method,
            ["params"] = new Dictionary<string, object>
            {
                ["_meta"] = new Dictionary<string, object>
                {
                    ["io.modelcontextprotocol/protocolVersion"] = version,
                    ["io.modelcontextprotocol/clientCapabilities"] = new Dictionary<string, object>(),
                },
            },
        });

    private static HttpRequestMessage Post(string body, string? version)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TestRun.Server.Url("/mcp"))
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        if (version is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", version);
            if (version == ProtocolRevision.July2026)
            {
                request.Headers.Add("Mcp-Method", "server/discover");
            }
        }

        return request;
    }

    private static async Task<JsonElement> ReadMessageAsync(HttpResponseMessage response) =>
        (await RawSession.ReadEventsAsync(response)).Select(e => e.Message).Single(m => m.TryGetProperty("id", out _));
}
