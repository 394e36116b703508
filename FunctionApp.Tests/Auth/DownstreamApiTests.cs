using System.Net;
using Azure.Data.Tables;
using McpFunctions.Auth.Server;
using McpFunctions.Features.Profile;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// A tool that calls a downstream API as the user (<c>profile_get</c>), through Microsoft.Identity.Web's token
/// acquisition and MSAL against the Entra stand-in (posing as Entra's public instance), and a stand-in API that
/// accepts only Entra tokens for itself. A user signed in here is served from the token cache filled at sign-in; a
/// caller with a direct Entra token gets on-behalf-of. The caller's own token never reaches the API.
/// </summary>
[NonParallelizable]
public sealed class DownstreamApiTests
{
    private const string Tenant = "6b0e9d2c-1a3f-4e5d-9c8b-7a6f5e4d3c2b";
    private const string ClientId = "3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9";

    private OidcIssuer _issuer = null!;
    private DownstreamApiStandIn _api = null!;
    private LoopbackServer _server = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _issuer = await OidcIssuer.StartAsync(posingAs: "https://login.microsoftonline.com/");
        _api = await DownstreamApiStandIn.StartAsync(_issuer, Tenant);
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Entra",
            ["AzureAd:Instance"] = _issuer.Instance,
            ["AzureAd:TenantId"] = Tenant,
            ["AzureAd:ClientId"] = ClientId,
            ["AzureAd:ClientSecret"] = "stand-in-secret",
            ["DownstreamApi:BaseUrl"] = _api.BaseAddress.ToString(),
            ["DownstreamApi:Scopes:0"] = DownstreamApiStandIn.Scope,
        }, services =>
        {
            // Entra's host is the stand-in: for MSAL (through the HTTP client factory) and the metadata back-channels.
            services.ConfigureHttpClientDefaults(client => client.ConfigurePrimaryHttpMessageHandler(_issuer.Routing));
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.BackchannelHttpHandler = _issuer.Routing());
            services.Configure<OpenIdConnectOptions>(EntraSignIn.SchemeName, o => o.BackchannelHttpHandler = _issuer.Routing());
        }).Start();
    }

    [TearDown]
    public void ShowErrors()
    {
        _issuer.UserTokenLifetime = TimeSpan.FromHours(1);
        _api.Failure = null;
        foreach (var entry in _server.Errors.Entries)
        {
            TestContext.Out.WriteLine(entry);
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_user_who_signed_in_with_Entra_gets_their_profile_with_a_token_from_the_sign_in_cache()
    {
        var requestsBefore = _issuer.TokenRequests.Count;
        var sent = new SentTokens();
        await using var client = await SignedInClientAsync("grace", sent);

        var tools = await client.ListToolsAsync();
        var profile = (await client.CallToolAsync("profile_get")).Read<Profile>();

        Assert.That(tools.Select(t => t.Name), Does.Contain("profile_get"));
        Assert.That(profile.Id, Is.EqualTo(OidcIssuer.ObjectIdOf("grace")));
        Assert.That(profile.JobTitle, Is.EqualTo("Engineer"));
        var requests = _issuer.TokenRequests.Skip(requestsBefore).Select(r => r.GrantType).ToArray();
        Assert.That(requests, Is.EqualTo(new[] { "authorization_code" }), "MSAL redeemed the sign-in code once and served the call from its cache: no on-behalf-of");
        var received = _api.ReceivedTokens.Last();
        Assert.That(await _issuer.ValidateAsync(received, Tenant, DownstreamApiStandIn.Audience), Is.Not.Null, "an Entra token for the downstream API");
        Assert.That(sent.Tokens, Is.Not.Empty.And.Not.Contains(received), "the client's token was not passed through");
    }

    [Test]
    public async Task The_token_cache_keeps_the_users_Entra_tokens_encrypted()
    {
        await using var client = await SignedInClientAsync("lamarr", new SentTokens());
        await client.CallToolAsync("profile_get");

        var table = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient("mcptokencache");
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        var home = $"{OidcIssuer.ObjectIdOf("lamarr")}.{Tenant}";
        var entry = rows.SingleOrDefault(r => McpFunctions.Storage.StorageKey.Decode(r.PartitionKey) == home);
        Assert.That(entry, Is.Not.Null, "one row for the user's Entra account (its home ids)");
        var value = System.Text.Encoding.Latin1.GetString(entry!.GetBinary("D0"));
        Assert.That(value, Does.Not.Contain("RefreshToken").And.Not.Contain("secret"), "the cached tokens are encrypted");
        Assert.That(entry.GetDateTimeOffset("ExpiresAt"), Is.GreaterThan(DateTimeOffset.UtcNow.AddDays(20)), "the entry lives as long as a grant here");
    }

    [Test]
    public async Task A_direct_Entra_token_gets_the_profile_on_behalf_of_the_caller()
    {
        var inbound = _issuer.Issue(Tenant, ClientId, OidcIssuer.ObjectIdOf("hopper"), "notes.read");
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + inbound },
        }), new McpClientOptions { ProtocolVersion = Clients.StatelessRevision });

        var profile = (await client.CallToolAsync("profile_get")).Read<Profile>();

        Assert.That(profile.Id, Is.EqualTo(OidcIssuer.ObjectIdOf("hopper")));
        Assert.That(_issuer.TokenRequests, Does.Contain(("urn:ietf:params:oauth:grant-type:jwt-bearer", (string?)inbound)), "on-behalf-of, with the caller's token as the assertion");
        var received = _api.ReceivedTokens.Last();
        Assert.That(received, Is.Not.EqualTo(inbound));
        Assert.That(await _issuer.ValidateAsync(received, Tenant, DownstreamApiStandIn.Audience), Is.Not.Null);
    }

    [Test]
    public async Task An_expiring_token_is_renewed_and_a_revoked_consent_asks_the_user_to_sign_in_again()
    {
        // MSAL renews a token within five minutes of its expiry with the cached refresh token.
        _issuer.UserTokenLifetime = TimeSpan.FromMinutes(2);
        await using var client = await SignedInClientAsync("noether", new SentTokens());
        var requestsBefore = _issuer.TokenRequests.Count;

        var renewed = await client.CallToolAsync("profile_get");
        _issuer.ForgetRefreshTokens();
        var refused = await client.CallToolAsync("profile_get");

        Assert.That(renewed.IsError, Is.Not.True, renewed.Text());
        Assert.That(_issuer.TokenRequests.Skip(requestsBefore).Select(r => r.GrantType), Does.Contain("refresh_token"));
        Assert.That(refused.IsError, Is.True);
        Assert.That(refused.Text(), Does.Contain("Sign in to this server again"));
        Assert.That(_server.Errors.Entries, Is.Empty);
    }

    [TestCase(HttpStatusCode.ServiceUnavailable, "answered 503", "Retry")]
    [TestCase(HttpStatusCode.Forbidden, "answered 403", "Forbidden")]
    public async Task A_failing_downstream_API_is_a_tool_error_that_says_what_to_do(HttpStatusCode status, string says, string alsoSays)
    {
        await using var client = await SignedInClientAsync("meitner", new SentTokens());
        _api.Failure = status;

        var result = await client.CallToolAsync("profile_get");

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain(says).And.Contain(alsoSays).And.Not.Contain("eyJ"));
        Assert.That(_server.Errors.Entries, Is.Empty);
    }

    [Test]
    public async Task Without_a_downstream_API_the_tool_is_not_listed()
    {
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString).Start();
        await using var client = await Clients.StatelessAsync(server);

        var tools = await client.ListToolsAsync();

        Assert.That(tools.Select(t => t.Name), Does.Contain("whoami").And.Not.Contain("profile_get"));
    }

    /// <summary>A client that signed in here with Entra (dynamic registration, the stand-in's sign-in page, consent).</summary>
    private async Task<McpClient> SignedInClientAsync(string user, SentTokens sent)
    {
        var browser = new SignInBrowser(_issuer.Address);
        return await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri("http://127.0.0.1:1/callback"),
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "Downstream test client" },
                AuthorizationCallbackHandler = async (context, cancellationToken) =>
                {
                    using var _ = browser;
                    var parameters = SignInBrowser.Parameters(await browser.AuthorizeAsync(context.AuthorizationUri, user, cancellationToken: cancellationToken));
                    return new AuthorizationResult { Code = parameters.GetValueOrDefault("code"), State = parameters.GetValueOrDefault("state"), Iss = parameters.GetValueOrDefault("iss") };
                },
            },
        }, new HttpClient(sent), NullLoggerFactory.Instance, ownsHttpClient: true), new McpClientOptions { ProtocolVersion = Clients.SessionRevision }, NullLoggerFactory.Instance);
    }

    /// <summary>Records the bearer tokens a client sends.</summary>
    private sealed class SentTokens() : DelegatingHandler(new SocketsHttpHandler())
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Tokens { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Headers.Authorization is { Scheme: "Bearer", Parameter: { } token })
            {
                Tokens.Enqueue(token);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
