using Azure.Data.Tables;
using McpFunctions.Audit;
using McpFunctions.Auth;
using McpFunctions.Auth.Server;
using McpFunctions.Features.Identity;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// Entra mode with sign-in configured: the app is the authorization server, and users sign in through
/// Microsoft.Identity.Web's OpenID Connect handler against a local stand-in for Entra ID. The tokens it issues carry
/// the same subject (<c>{tid}.{oid}</c>) as the user's own Entra tokens, so both reach the same data.
/// </summary>
[NonParallelizable]
public sealed class EntraSignInTests
{
    private const string Tenant = "4d1f7a2b-9c3e-4b5a-8f6d-1e2c3b4a5d6e";
    private const string ClientId = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

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
            ["AzureAd:ClientSecret"] = "stand-in-secret",
        }, services =>
        {
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.RequireHttpsMetadata = false);
            services.Configure<OpenIdConnectOptions>(EntraSignIn.SchemeName, o => o.RequireHttpsMetadata = false);
        }).Start();
    }

    [Test]
    public async Task A_user_of_a_tenant_that_is_not_allowed_gets_a_page_and_no_session()
    {
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Entra",
            ["AzureAd:Instance"] = _issuer.Instance,
            ["AzureAd:TenantId"] = Tenant,
            ["AzureAd:ClientId"] = ClientId,
            ["AzureAd:ClientSecret"] = "stand-in-secret",
            ["Auth:AllowedTenants:0"] = "0c0ffee0-0000-4000-8000-00000000beef",
        }, services =>
        {
            services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o => o.RequireHttpsMetadata = false);
            services.Configure<OpenIdConnectOptions>(EntraSignIn.SchemeName, o => o.RequireHttpsMetadata = false);
        }).Start();
        using var http = server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, "https://claude.ai/api/mcp/auth_callback");
        using var browser = new SignInBrowser(new Uri(_issuer.Instance));

        var failure = Assert.ThrowsAsync<InvalidOperationException>(() => browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(server.BaseAddress,
            OAuthRequests.AuthorizeParameters(server.BaseAddress, clientId, "https://claude.ai/api/mcp/auth_callback", OAuthRequests.Pkce().Challenge)), "outsider"));

        Assert.That(failure!.Message, Does.StartWith("The authorization server answered 400"));
        Assert.That(browser.LastPage, Does.Contain("Sign-in did not complete"));
        Assert.That(browser.Cookies.GetCookies(server.BaseAddress).Select(c => c.Name), Does.Not.Contain("mcp-user"));
        Assert.That(await SignInsAsync(server, "outsider"), Does.Contain("entra refused"), "the refused sign-in is audited");
    }

    /// <summary>The audited sign-ins of a stand-in Entra user, as "method outcome".</summary>
    private static async Task<List<string>> SignInsAsync(LoopbackServer server, string user)
    {
        await server.Services.GetRequiredService<AuditTrail>().FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        var table = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient("mcp" + StorageNames.Audit);
        var partition = StorageKey.Encode($"{Tenant}.{OidcIssuer.ObjectIdOf(user)}");
        var events = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition} and Kind eq {AuditKinds.SignIn}")))
        {
            events.Add($"{row.GetString("Action")} {row.GetString("Outcome")}");
        }

        return events;
    }

    [TearDown]
    public void ShowErrors()
    {
        foreach (var entry in _server.Errors.Entries)
        {
            TestContext.Out.WriteLine(entry);
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    [Test]
    public async Task A_user_signs_in_with_Entra_and_the_client_acts_as_the_same_user_an_Entra_token_names()
    {
        using var browser = new SignInBrowser(new Uri(_issuer.Instance));
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri("http://127.0.0.1:1/callback"),
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "Entra flow client" },
                AuthorizationCallbackHandler = async (context, cancellationToken) =>
                {
                    var parameters = SignInBrowser.Parameters(await browser.AuthorizeAsync(context.AuthorizationUri, "ada", cancellationToken: cancellationToken));
                    return new AuthorizationResult { Code = parameters.GetValueOrDefault("code"), State = parameters.GetValueOrDefault("state"), Iss = parameters.GetValueOrDefault("iss") };
                },
            },
        }, NullLoggerFactory.Instance), new McpClientOptions { ProtocolVersion = Clients.SessionRevision }, NullLoggerFactory.Instance);

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.That(me.Id, Is.EqualTo($"{Tenant}.{OidcIssuer.ObjectIdOf("ada")}"));
        Assert.That(_issuer.ClientAuthentications, Does.Contain("client_secret"), "the code was redeemed with the app's credential");
        Assert.That(await SignInsAsync(_server, "ada"), Does.Contain("entra ok"), "the sign-in is audited under the same id");

        await using var direct = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + _issuer.Issue(Tenant, ClientId, OidcIssuer.ObjectIdOf("ada"), "notes.read") },
        }), new McpClientOptions { ProtocolVersion = Clients.SessionRevision });
        Assert.That((await direct.CallToolAsync("whoami")).Read<WhoAmI>().Id, Is.EqualTo(me.Id));
    }
}
