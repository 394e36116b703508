using System.Net;
using System.Net.Http.Headers;
using McpFunctions.Features.Identity;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>In the local developer mode a request that carries a token is still validated, never silently the local developer.</summary>
[NonParallelizable]
public sealed class LocalDeveloperTokenTests
{
    private const string Tenant = "5d1e0c2b-7a6f-4e3d-9c8b-1a2b3c4d5e00";
    private const string ClientId = "6e2f1d3c-8b7a-4f5e-9d0c-2b3c4d5e6f11";
    private const string UserId = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";

    [Test]
    public async Task Without_token_validation_configured_a_presented_token_is_refused()
    {
        using var http = TestRun.Server.CreateHttpClient();
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "eyJhbGciOiJub25lIn0.e30.");

        using var response = await http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Does.StartWith("error=\"invalid_token\", resource_metadata="));
    }

    [Test]
    public async Task With_Entra_configured_a_token_is_the_caller_and_no_token_is_the_local_developer()
    {
        await using var issuer = await OidcIssuer.StartAsync();
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["AzureAd:Instance"] = issuer.Instance,
            ["AzureAd:TenantId"] = Tenant,
            ["AzureAd:ClientId"] = ClientId,
        }, services => services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.RequireHttpsMetadata = false)).Start();

        await using var withToken = await ConnectAsync(server, issuer.Issue(Tenant, ClientId, UserId, "files.read"));
        await using var withoutToken = await ConnectAsync(server, token: null);
        var tokenCaller = (await withToken.CallToolAsync("whoami")).Read<WhoAmI>();
        var localCaller = (await withoutToken.CallToolAsync("whoami")).Read<WhoAmI>();
        using var http = server.CreateHttpClient();
        using var expired = McpRequests.Post("/mcp", McpRequests.Initialize);
        expired.Headers.Authorization = new AuthenticationHeaderValue("Bearer", issuer.Issue(Tenant, ClientId, UserId, "files.read", lifetime: TimeSpan.FromMinutes(-30)));
        using var refused = await http.SendAsync(expired);

        Assert.That(tokenCaller.Id, Is.EqualTo($"{Tenant}.{UserId}"));
        Assert.That(tokenCaller.Scopes, Is.EqualTo(new[] { "files.read" }));
        Assert.That(localCaller.Id, Is.EqualTo("local-developer"));
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "an invalid token is refused, not replaced by the local developer");
    }

    private static Task<McpClient> ConnectAsync(LoopbackServer server, string? token) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = token is null ? null : new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }), new McpClientOptions { ProtocolVersion = Clients.SessionRevision });
}
