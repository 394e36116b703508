using McpFunctions.Audit;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// Checking this server's own access tokens reads no storage: the keys and the revoked list are in memory. The only
/// storage requests tool calls cause are the audit trail's, written in the background in batches.
/// </summary>
[NonParallelizable]
public sealed class AccessTokenCostTests
{
    [Test]
    public async Task Authenticated_stateless_calls_make_no_storage_request()
    {
        var log = new StorageRequestLog();
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Auth:Mode"] = "LocalSignIn" },
            s => s.Replace(ServiceDescriptor.Singleton(log.ClientsFor(TestRun.Azurite.ConnectionString)))).Start();
        using var http = server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, "https://claude.ai/api/mcp/auth_callback");
        var (verifier, challenge) = OAuthRequests.Pkce();
        using var browser = new SignInBrowser();
        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(server.BaseAddress,
            OAuthRequests.AuthorizeParameters(server.BaseAddress, clientId, "https://claude.ai/api/mcp/auth_callback", challenge)), "cost-user");
        var (_, tokens) = await OAuthRequests.ExchangeAsync(http, clientId, SignInBrowser.Parameters(redirect)["code"], verifier, "https://claude.ai/api/mcp/auth_callback", server.BaseAddress);
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + tokens.GetProperty("access_token").GetString() },
        }), new McpClientOptions { ProtocolVersion = Clients.StatelessRevision });
        await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 });
        var audit = server.Services.GetRequiredService<AuditTrail>();
        await audit.FlushAsync(CancellationToken.None);

        var mark = log.Mark();
        for (var i = 0; i < 20; i++)
        {
            var result = await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = i, ["b"] = 2 });
            Assert.That(result.IsError, Is.Not.True);
        }

        await audit.FlushAsync(CancellationToken.None);

        // The relay pump and the instance heartbeat poll their own tables in the background, whatever the requests;
        // the audit writer stores the calls' rows in entity-group transactions ($batch), never reading anything.
        var background = new[] { "mcprelay", "mcpinstances" };
        var requests = log.Requests.Skip(mark).Select(r => $"{r.Method} {r.Path}").Where(r => !background.Any(r.Contains)).ToArray();
        Assert.That(requests.Where(r => !r.EndsWith("/$batch", StringComparison.Ordinal)), Is.Empty);
        Assert.That(requests, Is.Not.Empty.And.All.StartWith("POST "), "the audit rows, written in the background");
    }
}
