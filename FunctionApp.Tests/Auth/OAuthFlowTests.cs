using System.Net;
using McpFunctions.Features.Identity;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// Whole OAuth flows against the app's own authorization server (local sign-in mode): real clients discover it from
/// the 401, identify themselves by registration or by a client metadata document, send the user through sign-in
/// and consent in a browser stand-in, and call tools as that user.
/// </summary>
[NonParallelizable]
public sealed class OAuthFlowTests
{
    private const string ClaudeCallback = "https://claude.ai/api/mcp/auth_callback";
    private const string SdkRedirect = "http://127.0.0.1:1/callback";

    private LoopbackServer _server = null!;
    private MetadataDocumentHost _documents = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _documents = await MetadataDocumentHost.StartAsync();
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "LocalSignIn",
            ["Auth:ClientMetadataDocuments:AllowLoopback"] = "true",
        }).Start();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _server.DisposeAsync();
        await _documents.DisposeAsync();
    }

    [Test]
    public async Task The_SDK_client_registers_dynamically_signs_in_consents_and_calls_tools_as_the_user()
    {
        using var browser = new SignInBrowser();
        await using var client = await ConnectAsync(browser, "alice");

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.That(me.Id, Is.EqualTo("local:alice"));
        Assert.That(me.Scopes, Is.SupersetOf(new[] { "notes.read", "notes.write", "files.read", "files.write" }));
    }

    [Test]
    public async Task The_SDK_client_with_a_client_metadata_document_is_known_by_its_URL_and_named_on_the_consent_page()
    {
        var clientId = _documents.Serve("clients/sdk.json", "SDK document client", [SdkRedirect], cacheControl: "max-age=600");
        using var browser = new SignInBrowser();
        string? consentPage = null;
        await using var client = await ConnectAsync(browser, "bob", new Uri(clientId), page => consentPage = page.Contains("Allow access?") ? page : consentPage);

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.That(me.Id, Is.EqualTo("local:bob"));
        Assert.That(consentPage, Does.Contain("SDK document client").And.Contain("<code>127.0.0.1:1</code>"));
        Assert.That(_documents.Fetches("clients/sdk.json"), Is.EqualTo(1), "the document is fetched once and kept within its max-age");
    }

    [Test]
    public async Task A_Claude_style_client_completes_the_flow_with_its_metadata_document_the_resource_and_a_refresh()
    {
        var clientId = _documents.Serve("api/mcp/client-metadata.json", "Claude", [ClaudeCallback]);
        var (verifier, challenge) = OAuthRequests.Pkce();
        using var browser = new SignInBrowser();

        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, ClaudeCallback, challenge, state: "claude-state")), "carol");
        var answer = SignInBrowser.Parameters(redirect);

        Assert.That(redirect.GetLeftPart(UriPartial.Path), Is.EqualTo(ClaudeCallback));
        Assert.That(answer["state"], Is.EqualTo("claude-state"));
        Assert.That(answer["iss"], Is.EqualTo(_server.BaseAddress.ToString()));
        using var http = _server.CreateHttpClient();
        var (status, tokens) = await OAuthRequests.ExchangeAsync(http, clientId, answer["code"], verifier, ClaudeCallback, _server.BaseAddress);
        Assert.That(status, Is.EqualTo(200), tokens.ToString());
        Assert.That(await OAuthRequests.CallMcpAsync(http, tokens.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.OK));

        var (refreshed, renewed) = await OAuthRequests.RefreshAsync(http, clientId, tokens.GetProperty("refresh_token").GetString()!);

        Assert.That(refreshed, Is.EqualTo(200), renewed.ToString());
        Assert.That(renewed.GetProperty("refresh_token").GetString(), Is.Not.EqualTo(tokens.GetProperty("refresh_token").GetString()), "refresh tokens rotate");
        Assert.That(await OAuthRequests.CallMcpAsync(http, renewed.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.OK));
    }

    // Modelled on the documents these clients publish: Claude's web callback; Claude Code and VS Code, native apps
    // that listen on a loopback port chosen at each start (so the registered URI's port does not bind them).
    [TestCase("claude", "Claude", new[] { "https://claude.ai/api/mcp/auth_callback" }, null, "https://claude.ai/api/mcp/auth_callback")]
    [TestCase("claude-code", "Claude Code", new[] { "http://localhost/callback", "http://127.0.0.1/callback" }, "native", "http://localhost:53682/callback")]
    [TestCase("vscode", "Visual Studio Code", new[] { "http://127.0.0.1:33418/", "https://vscode.dev/redirect" }, "native", "http://127.0.0.1:61422/")]
    public async Task Published_client_metadata_documents_complete_the_authorization(string path, string name, string[] redirects, string? applicationType, string usedRedirect)
    {
        var clientId = _documents.Serve($"published/{path}.json", name, redirects, applicationType: applicationType);
        var (verifier, challenge) = OAuthRequests.Pkce();
        using var browser = new SignInBrowser();
        string? consent = null;

        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, usedRedirect, challenge)), "published-" + path,
            onPage: page => consent = page.Contains("Allow access?") ? page : consent);
        using var http = _server.CreateHttpClient();
        var (status, tokens) = await OAuthRequests.ExchangeAsync(http, clientId, SignInBrowser.Parameters(redirect)["code"], verifier, usedRedirect, _server.BaseAddress);

        Assert.That(redirect.GetLeftPart(UriPartial.Path), Is.EqualTo(new Uri(usedRedirect).GetLeftPart(UriPartial.Path)));
        Assert.That(consent, Does.Contain(name).And.Contain(new Uri(usedRedirect).Host));
        Assert.That(status, Is.EqualTo(200), tokens.ToString());
    }

    [Test]
    public async Task Consent_is_remembered_for_the_same_client_and_scopes()
    {
        using var http = _server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, ClaudeCallback);
        using var browser = new SignInBrowser();
        await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, ClaudeCallback, OAuthRequests.Pkce().Challenge)), "dave");

        var again = await browser.GetAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, ClaudeCallback, OAuthRequests.Pkce().Challenge)));

        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), "no consent page the second time");
        Assert.That(again.Headers.Location!.ToString(), Does.StartWith(ClaudeCallback + "?code="));
    }

    [Test]
    public async Task Deny_answers_access_denied_to_the_client_with_its_state_and_the_issuer()
    {
        using var http = _server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, ClaudeCallback);
        using var browser = new SignInBrowser();

        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, ClaudeCallback, OAuthRequests.Pkce().Challenge, state: "s-deny")), "erin", decision: "deny");
        var answer = SignInBrowser.Parameters(redirect);

        Assert.That(answer["error"], Is.EqualTo("access_denied"));
        Assert.That(answer["state"], Is.EqualTo("s-deny"));
        Assert.That(answer["iss"], Is.EqualTo(_server.BaseAddress.ToString()));
        Assert.That(answer, Does.Not.ContainKey("code"));
    }

    [Test]
    public async Task The_consent_page_cannot_be_framed_and_its_form_is_refused_without_the_CSRF_token()
    {
        using var http = _server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, ClaudeCallback);
        using var browser = new SignInBrowser();
        var consent = await ConsentPageAsync(browser, clientId, "frank");

        Assert.That(consent.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("frame-ancestors 'none'")
            .And.Contain("form-action 'self' https://claude.ai;"), "a browser applies form-action to the redirect after Allow");
        Assert.That(consent.Headers.GetValues("Referrer-Policy").Single(), Is.EqualTo("same-origin"), "no-referrer would make the form's Origin null");
        Assert.That(consent.Headers.GetValues("X-Frame-Options").Single(), Is.EqualTo("DENY"));
        Assert.That(consent.Headers.CacheControl!.NoStore, Is.True);

        var form = SignInBrowser.Form.Parse(browser.LastPage);
        form.Fields.Remove("csrf");
        form.Fields["decision"] = "allow";
        var forged = await browser.PostAsync(new Uri(_server.BaseAddress, form.Action), form.Fields);

        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(forged.Headers.Location, Is.Null, "no code is sent anywhere");
    }

    [Test]
    public async Task A_consent_form_posted_from_another_browser_session_is_refused()
    {
        using var http = _server.CreateHttpClient();
        var clientId = await OAuthRequests.RegisterAsync(http, ClaudeCallback);
        using var victim = new SignInBrowser();
        await ConsentPageAsync(victim, clientId, "grace");
        using var attacker = new SignInBrowser();
        var attackerConsent = await ConsentPageAsync(attacker, clientId, "mallory");
        var attackerForm = SignInBrowser.Form.Parse(attacker.LastPage);
        attackerForm.Fields["decision"] = "allow";

        // The attacker's own valid form, replayed in the victim's browser (CSRF): the token is bound to the attacker.
        var forged = await victim.PostAsync(new Uri(_server.BaseAddress, attackerForm.Action), attackerForm.Fields);

        Assert.That(attackerConsent.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(forged.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    private async Task<HttpResponseMessage> ConsentPageAsync(SignInBrowser browser, string clientId, string user)
    {
        var response = await browser.GetAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, ClaudeCallback, OAuthRequests.Pkce().Challenge)));
        while (response.StatusCode == HttpStatusCode.Redirect)
        {
            response = await browser.GetAsync(new Uri(_server.BaseAddress, response.Headers.Location!));
        }

        var signIn = SignInBrowser.Form.Parse(browser.LastPage);
        signIn.Fields["username"] = user;
        response = await browser.PostAsync(new Uri(_server.BaseAddress, signIn.Action), signIn.Fields);
        response = await browser.GetAsync(new Uri(_server.BaseAddress, response.Headers.Location!));
        Assert.That(browser.LastPage, Does.Contain("Allow access?"));
        return response;
    }

    private async Task<McpClient> ConnectAsync(SignInBrowser browser, string user, Uri? metadataDocument = null, Action<string>? onConsentPage = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri(SdkRedirect),
                ClientMetadataDocumentUri = metadataDocument,
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "Flow test client" },
                AuthorizationCallbackHandler = async (context, cancellationToken) =>
                {
                    var redirect = await browser.AuthorizeAsync(context.AuthorizationUri, user, onPage: onConsentPage, cancellationToken: cancellationToken);
                    var parameters = SignInBrowser.Parameters(redirect);
                    return new AuthorizationResult
                    {
                        Code = parameters.GetValueOrDefault("code"),
                        State = parameters.GetValueOrDefault("state"),
                        Iss = parameters.GetValueOrDefault("iss"),
                    };
                },
            },
        }, NullLoggerFactory.Instance);
        return await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = Clients.SessionRevision }, NullLoggerFactory.Instance);
    }
}
