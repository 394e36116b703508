using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using McpFunctions.Auth;
using McpFunctions.Features.Identity;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// Entra-issued access tokens in Entra mode, against a local OpenID Connect issuer standing in for Entra, so
/// Microsoft.Identity.Web's real validation runs: the right token is the caller; every other token gets 401.
/// </summary>
[NonParallelizable]
public sealed class EntraTokenTests
{
    private const string Tenant = "8e5b1f53-3f1a-4c6e-9d2a-0b7c11e2a001";
    private const string OtherTenant = "0c0ffee0-0000-4000-8000-00000000beef";
    private const string ClientId = "3f0e2c1d-5a4b-4c3d-8e2f-1a2b3c4d5e6f";
    private const string UserId = "a1b2c3d4-e5f6-4a5b-8c7d-0e1f2a3b4c5d";

    private OidcIssuer _issuer = null!;
    private LoopbackServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await OidcIssuer.StartAsync();
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Entra",
            ["AzureAd:Instance"] = _issuer.Instance,
            ["AzureAd:TenantId"] = Tenant,
            ["AzureAd:ClientId"] = ClientId,
        }, services => services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.RequireHttpsMetadata = false)).Start();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_token_of_the_app_from_an_allowed_tenant_is_the_caller_keyed_by_tenant_and_object_id()
    {
        var token = _issuer.Issue(Tenant, ClientId, UserId, "notes.read notes.write");
        await using var client = await ConnectAsync(token);

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.That(me.Id, Is.EqualTo($"{Tenant}.{UserId}"));
        Assert.That(me.Scopes, Is.EquivalentTo(new[] { "notes.read", "notes.write" }));
        Assert.That(me.AuthenticationMethod, Is.EqualTo("AuthenticationTypes.Federation").Or.EqualTo(JwtBearerDefaults.AuthenticationScheme));
    }

    [Test]
    public async Task An_app_role_grants_what_the_scope_of_the_same_name_grants()
    {
        await using var client = await ConnectAsync(_issuer.Issue(Tenant, ClientId, UserId, scopes: "", roles: ["notes.read"]));

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToArray();

        Assert.That(tools, Does.Contain("notes_list").And.Contain("notes_get").And.Not.Contain("notes_add").And.Not.Contain("files_read"));
    }

    [Test]
    public async Task Without_a_token_the_call_is_challenged_with_the_resource_metadata()
    {
        using var response = await SendAsync(token: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Does.StartWith("resource_metadata=").And.Contain("scope=\""));
    }

    private static IEnumerable<TestCaseData> RefusedTokens()
    {
        yield return new TestCaseData("wrong audience", (Func<OidcIssuer, string>)(issuer => issuer.Issue(Tenant, "api://someone-else", UserId, "notes.read")));
        yield return new TestCaseData("expired", (Func<OidcIssuer, string>)(issuer => issuer.Issue(Tenant, ClientId, UserId, "notes.read", lifetime: TimeSpan.FromMinutes(-30))));
        yield return new TestCaseData("tenant not allowed", (Func<OidcIssuer, string>)(issuer => issuer.Issue(OtherTenant, ClientId, UserId, "notes.read")));
        yield return new TestCaseData("another issuer", (Func<OidcIssuer, string>)(issuer => issuer.Issue(Tenant, ClientId, UserId, "notes.read", issuer: "https://evil.example/" + Tenant + "/v2.0")));
        yield return new TestCaseData("signed by another key", (Func<OidcIssuer, string>)(issuer => issuer.Issue(Tenant, ClientId, UserId, "notes.read", signingKey: new RsaSecurityKey(RSA.Create(2048)) { KeyId = "unknown" })));
        yield return new TestCaseData("alg none", (Func<OidcIssuer, string>)(issuer => Unsigned(issuer.Issue(Tenant, ClientId, UserId, "notes.read"))));
        yield return new TestCaseData("tampered payload", (Func<OidcIssuer, string>)(issuer => Tampered(issuer.Issue(Tenant, ClientId, UserId, "notes.read"))));
        yield return new TestCaseData("not a token", (Func<OidcIssuer, string>)(_ => "not.a.jwt"));
        yield return new TestCaseData("no scopes or roles", (Func<OidcIssuer, string>)(issuer => issuer.Issue(Tenant, ClientId, UserId, "")));
    }

    [TestCaseSource(nameof(RefusedTokens))]
    public async Task Any_other_token_gets_401_with_invalid_token(string why, Func<OidcIssuer, string> token)
    {
        using var response = await SendAsync(token(_issuer));
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), why);
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Does.StartWith("error=\"invalid_token\", resource_metadata="), why);
        ResponseBody.AssertRevealsNoInternals(body);
    }

    private async Task<HttpResponseMessage> SendAsync(string? token)
    {
        using var http = _server.CreateHttpClient();
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await http.SendAsync(request);
    }

    private Task<McpClient> ConnectAsync(string token) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }), new McpClientOptions { ProtocolVersion = Clients.SessionRevision });

    /// <summary>The same claims with <c>alg: none</c> and no signature.</summary>
    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        var header = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        return $"{header}.{parts[1]}.";
    }

    /// <summary>The signature of the original with one claim changed (another object id).</summary>
    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace(UserId, "ffffffff-ffff-4fff-8fff-ffffffffffff");
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }
}
