using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using McpFunctions.Auth;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// The relayed-user scheme: only this process's relay secret lets a request act as a session's stored owner; a
/// forged secret is an ordinary request of whoever sent it.
/// </summary>
public sealed class RelayedUserTests
{
    private static readonly HttpClient Http = new();

    [Test]
    public async Task A_forged_relay_secret_does_not_make_the_sender_the_session_owner()
    {
        var owner = await RawSession.InitializeAsync(Http, TestRun.Server.BaseAddress, "relay-owner");

        using var response = await Http.SendAsync(WhoAmI(owner.SessionId, sender: "relay-intruder", secret: "forged-secret", ownerClaims: OwnerClaims("relay-owner")));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "the intruder is checked as itself, and the session is not theirs");
    }

    [Test]
    public async Task This_process_secret_acts_as_the_stored_owner()
    {
        var owner = await RawSession.InitializeAsync(Http, TestRun.Server.BaseAddress, "relay-owner");
        var secret = TestRun.Server.Services.GetRequiredService<RelayedUser.Secret>().Value;

        using var response = await Http.SendAsync(WhoAmI(owner.SessionId, sender: "relay-intruder", secret, OwnerClaims("relay-owner")));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var reply = (await RawSession.ReadEventsAsync(response)).Select(e => e.Message).Single(m => m.TryGetProperty("id", out _));
        Assert.That(reply.GetProperty("result").GetProperty("structuredContent").GetProperty("id").GetString(), Is.EqualTo("local-developer:relay-owner"));
    }

    [Test]
    public async Task This_process_secret_without_owner_claims_authenticates_nobody()
    {
        var owner = await RawSession.InitializeAsync(Http, TestRun.Server.BaseAddress, "relay-owner");
        var secret = TestRun.Server.Services.GetRequiredService<RelayedUser.Secret>().Value;

        using var response = await Http.SendAsync(WhoAmI(owner.SessionId, sender: null, secret, ownerClaims: null));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private static string OwnerClaims(string localDeveloper) => PrincipalClaims.Serialize(new ClaimsPrincipal(new ClaimsIdentity(
        [new Claim("sub", $"local-developer:{localDeveloper}"), new Claim("name", $"Local developer ({localDeveloper})"), new Claim("scp", string.Join(' ', McpScopes.All))],
        "LocalDeveloper", "name", "roles")));

    private static HttpRequestMessage WhoAmI(string sessionId, string? sender, string secret, string? ownerClaims)
    {
        var body = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = 9, method = "tools/call", @params = new { name = "whoami", arguments = new { } } });
        var request = new HttpRequestMessage(HttpMethod.Post, TestRun.Server.Url("/mcp"))
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.Add("Mcp-Session-Id", sessionId);
        request.Headers.Add("MCP-Protocol-Version", RawSession.Revision);
        request.Headers.Add(RelayedUser.SecretHeader, secret);
        if (sender is not null)
        {
            request.Headers.Add("X-Local-Developer", sender);
        }

        if (ownerClaims is not null)
        {
            request.Headers.Add(RelayedUser.OwnerHeader, Convert.ToBase64String(Encoding.UTF8.GetBytes(ownerClaims)));
        }

        return request;
    }
}
