using System.Net;
using System.Security.Claims;
using McpFunctions.Auth.Server;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// What the authorization server refuses, and how: client metadata documents it must not fetch or use, authorization
/// requests it must not redirect (or must answer with an error at a validated redirect), codes and PKCE verifiers
/// that do not match, and access tokens that are not exactly its own for this resource.
/// </summary>
[NonParallelizable]
public sealed class OAuthRefusalTests
{
    private const string Callback = "https://claude.ai/api/mcp/auth_callback";

    private LoopbackServer _server = null!;
    private MetadataDocumentHost _documents = null!;
    private HttpClient _http = null!;
    private string _clientId = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _documents = await MetadataDocumentHost.StartAsync();
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "LocalSignIn",
            ["Auth:ClientMetadataDocuments:AllowLoopback"] = "true",
        }).Start();
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress };
        _clientId = await OAuthRequests.RegisterAsync(_http, Callback);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await _documents.DisposeAsync();
    }

    private static IEnumerable<TestCaseData> UnusableDocuments()
    {
        yield return new TestCaseData("mismatch.json", new MetadataDocumentHost.Document("""{"client_id":"https://claude.ai/other.json","redirect_uris":["https://claude.ai/api/mcp/auth_callback"]}""")).SetName("A document whose client_id is another URL");
        yield return new TestCaseData("large.json", new MetadataDocumentHost.Document(LargeDocument())).SetName("A document over 5 KB (declared length)");
        yield return new TestCaseData("chunked.json", new MetadataDocumentHost.Document(LargeDocument(), Chunked: true)).SetName("A document over 5 KB (no declared length)");
        yield return new TestCaseData("slow.json", new MetadataDocumentHost.Document("{}", Delay: TimeSpan.FromSeconds(8))).SetName("A document slower than 5 s");
        yield return new TestCaseData("redirect.json", new MetadataDocumentHost.Document("", Status: 302, Location: "/elsewhere.json")).SetName("A document URL that redirects");
        yield return new TestCaseData("missing.json", null).SetName("A document URL that answers 404");
        yield return new TestCaseData("html.json", new MetadataDocumentHost.Document("<html>hello</html>")).SetName("A document that is not JSON");
        yield return new TestCaseData("script.json", new MetadataDocumentHost.Document("""{"client_id":"SELF","redirect_uris":["javascript:alert(1)"]}""")).SetName("A document with a javascript: redirect URI");
        yield return new TestCaseData("keys.json", new MetadataDocumentHost.Document("""{"client_id":"SELF","redirect_uris":["https://claude.ai/cb"],"token_endpoint_auth_method":"private_key_jwt"}""")).SetName("A document asking for key-based client authentication");
        yield return new TestCaseData("noredirect.json", new MetadataDocumentHost.Document("""{"client_id":"SELF"}""")).SetName("A document without redirect URIs");
    }

    [TestCaseSource(nameof(UnusableDocuments))]
    public async Task A_client_metadata_document_that_cannot_be_used_gets_an_error_page_and_no_redirect(string path, MetadataDocumentHost.Document? document)
    {
        var clientId = _documents.Url("bad/" + path);
        if (document is not null)
        {
            _documents.Serve("bad/" + path, document with { Body = document.Body.Replace("\"SELF\"", $"\"{clientId}\"") });
        }

        using var response = await _http.GetAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, Callback, OAuthRequests.Pkce().Challenge)));
        var page = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Location, Is.Null);
        Assert.That(page, Does.Contain("client_id").And.Contain("cannot be completed"));
    }

    [TestCase("https://10.0.0.5/client.json")]
    [TestCase("https://172.16.3.4/client.json")]
    [TestCase("https://192.168.1.10/client.json")]
    [TestCase("https://169.254.169.254/metadata/instance")]
    [TestCase("https://100.64.0.1/client.json")]
    [TestCase("https://0.0.0.0/client.json")]
    [TestCase("https://[fd00::1]/client.json")]
    [TestCase("https://[fe80::1]/client.json")]
    [TestCase("https://[::ffff:10.0.0.1]/client.json")]
    [TestCase("https://224.0.0.1/client.json")]
    public async Task A_client_metadata_document_at_a_private_address_is_never_fetched(string clientId)
    {
        using var response = await _http.GetAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, Callback, OAuthRequests.Pkce().Challenge)));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Location, Is.Null);
    }

    [Test]
    public async Task Without_the_test_setting_a_loopback_document_is_refused_after_resolution()
    {
        var documents = new ClientMetadataDocumentsProbe(allowLoopback: false);
        var clientId = _documents.Serve("clients/loopback.json", "Loopback", [Callback]);

        var problem = await documents.ProblemAsync(clientId);

        Assert.That(problem, Does.Contain("private, loopback or link-local"));
        Assert.That(_documents.Fetches("clients/loopback.json"), Is.Zero);
    }

    [TestCase("https://claude.ai/api/mcp/other", TestName = "A redirect URI that was not registered")]
    [TestCase("https://evil.example/callback", TestName = "A redirect URI on another host")]
    [TestCase("https://claude.ai.evil.example/api/mcp/auth_callback", TestName = "A redirect URI on a look-alike host")]
    [TestCase("https://claude.ai/api/mcp/auth_callback/../../evil", TestName = "A redirect URI with dot segments")]
    [TestCase("https://claude.ai/api/mcp/auth_callback?next=https://evil.example", TestName = "A redirect URI with an added query")]
    [TestCase("https://claude.ai/api/mcp/auth_callback#fragment", TestName = "A redirect URI with a fragment")]
    [TestCase("//evil.example/callback", TestName = "A scheme-relative redirect URI")]
    [TestCase("javascript:alert(document.cookie)", TestName = "A javascript: redirect URI")]
    [TestCase("HTTPS://CLAUDE.AI/api/mcp/auth_callback", TestName = "A redirect URI differing in case")]
    public async Task An_authorization_request_with_an_unregistered_redirect_is_shown_an_error_page_and_never_redirected(string redirectUri)
    {
        using var response = await _http.GetAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, _clientId, redirectUri, OAuthRequests.Pkce().Challenge)));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Location, Is.Null);
        Assert.That(response.Content.Headers.ContentType!.MediaType, Is.EqualTo("text/html"));
    }

    private static IEnumerable<TestCaseData> RedirectedErrors()
    {
        yield return new TestCaseData("resource", "https://another.example/mcp", "invalid_target").SetName("A foreign resource is refused with invalid_target");
        yield return new TestCaseData("scope", "notes.read admin", "invalid_scope").SetName("An unknown scope is refused with invalid_scope");
        yield return new TestCaseData("prompt", "none", "login_required").SetName("prompt=none without a signed-in user answers login_required");
    }

    // OpenIddict checks the request's own parameters before it trusts the redirect URI, so these are refused on a page.
    [TestCase("code_challenge_method", "plain", TestName = "PKCE plain is refused")]
    [TestCase("code_challenge", null, TestName = "A request without PKCE is refused")]
    [TestCase("response_type", "token", TestName = "The implicit flow is refused")]
    [TestCase("client_id", null, TestName = "A request without a client id is refused")]
    public async Task A_malformed_authorization_request_is_refused_on_a_page(string parameter, string? value)
    {
        var parameters = OAuthRequests.AuthorizeParameters(_server.BaseAddress, _clientId, Callback, OAuthRequests.Pkce().Challenge);
        parameters[parameter] = value;
        if (value is null)
        {
            parameters.Remove(parameter);
        }

        using var response = await _http.GetAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress, parameters));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Headers.Location, Is.Null);
        Assert.That(await response.Content.ReadAsStringAsync(), Does.Contain("cannot be completed"));
    }

    [TestCaseSource(nameof(RedirectedErrors))]
    public async Task A_bad_request_from_a_known_client_is_answered_at_its_redirect_with_state_and_issuer(string parameter, string? value, string error)
    {
        var parameters = OAuthRequests.AuthorizeParameters(_server.BaseAddress, _clientId, Callback, OAuthRequests.Pkce().Challenge, state: "s-err");
        parameters[parameter] = value;
        if (value is null)
        {
            parameters.Remove(parameter);
        }

        using var response = await _http.GetAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress, parameters));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Redirect));
        var answer = SignInBrowser.Parameters(response.Headers.Location!);
        Assert.That(response.Headers.Location!.GetLeftPart(UriPartial.Path), Is.EqualTo(Callback));
        Assert.That(answer["error"], Is.EqualTo(error));
        Assert.That(answer["state"], Is.EqualTo("s-err"));
        Assert.That(answer["iss"], Is.EqualTo(_server.BaseAddress.ToString()));
        Assert.That(answer, Does.Not.ContainKey("code"));
    }

    [Test]
    public async Task A_wrong_PKCE_verifier_gets_invalid_grant()
    {
        var (code, _) = await CodeAsync("pkce-user");

        var (status, body) = await OAuthRequests.ExchangeAsync(_http, _clientId, code, OAuthRequests.Pkce().Verifier, Callback, _server.BaseAddress);

        Assert.That(status, Is.EqualTo(400));
        Assert.That(body.GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));
    }

    [Test]
    public async Task A_code_is_single_use_and_its_replay_revokes_the_grant_with_the_tokens_it_gave()
    {
        var (code, verifier) = await CodeAsync("replay-user");
        var (first, tokens) = await OAuthRequests.ExchangeAsync(_http, _clientId, code, verifier, Callback, _server.BaseAddress);
        Assert.That(first, Is.EqualTo(200));

        var (second, replay) = await OAuthRequests.ExchangeAsync(_http, _clientId, code, verifier, Callback, _server.BaseAddress);
        var (refresh, _) = await OAuthRequests.RefreshAsync(_http, _clientId, tokens.GetProperty("refresh_token").GetString()!);

        Assert.That(second, Is.EqualTo(400));
        Assert.That(replay.GetProperty("error").GetString(), Is.EqualTo("invalid_grant"));
        Assert.That(refresh, Is.EqualTo(400), "the refresh token from the first exchange is revoked");
        Assert.That(await OAuthRequests.CallMcpAsync(_http, tokens.GetProperty("access_token").GetString()!), Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    [Test]
    public async Task A_code_cannot_be_redeemed_by_another_client_or_with_another_redirect()
    {
        var other = await OAuthRequests.RegisterAsync(_http, Callback, "Another client");
        var (code, verifier) = await CodeAsync("binding-user");

        var (byOther, _) = await OAuthRequests.ExchangeAsync(_http, other, code, verifier, Callback, _server.BaseAddress);
        var (otherRedirect, _) = await OAuthRequests.ExchangeAsync(_http, _clientId, code, verifier, "https://claude.ai/api/mcp/other", _server.BaseAddress);

        Assert.That(byOther, Is.EqualTo(400));
        Assert.That(otherRedirect, Is.EqualTo(400));
    }

    [TestCase("basic", TestName = "A confidential client redeems its code with client_secret_basic")]
    [TestCase("post", TestName = "A confidential client redeems its code with client_secret_post")]
    [TestCase("none", TestName = "A confidential client without its secret gets invalid_client")]
    [TestCase("wrong", TestName = "A confidential client with a wrong secret gets invalid_client")]
    public async Task Confidential_clients_authenticate_at_the_token_endpoint(string how)
    {
        using var registration = await _http.PostAsync("/register", new StringContent(
            $$"""{"redirect_uris":["{{Callback}}"],"client_name":"Confidential","token_endpoint_auth_method":"client_secret_basic"}""",
            System.Text.Encoding.UTF8, "application/json"));
        var registered = System.Text.Json.JsonDocument.Parse(await registration.Content.ReadAsStringAsync()).RootElement;
        var clientId = registered.GetProperty("client_id").GetString()!;
        var secret = registered.GetProperty("client_secret").GetString()!;
        var (verifier, challenge) = OAuthRequests.Pkce();
        using var browser = new SignInBrowser();
        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, Callback, challenge)), "confidential-" + how);
        var form = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = SignInBrowser.Parameters(redirect)["code"],
            ["code_verifier"] = verifier,
            ["redirect_uri"] = Callback,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/token");
        switch (how)
        {
            case "basic":
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(clientId)}:{Uri.EscapeDataString(secret)}")));
                break;
            case "post":
                form["client_id"] = clientId;
                form["client_secret"] = secret;
                break;
            case "wrong":
                form["client_id"] = clientId;
                form["client_secret"] = secret + "x";
                break;
            default:
                form["client_id"] = clientId;
                break;
        }

        request.Content = new FormUrlEncodedContent(form);
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        if (how is "basic" or "post")
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
            Assert.That(body, Does.Contain("access_token"));
        }
        else
        {
            Assert.That((int)response.StatusCode, Is.InRange(400, 401), body);
            Assert.That(body, Does.Contain("\"error\":\"invalid_client\""));
        }
    }

    private static IEnumerable<TestCaseData> ForeignTokens()
    {
        yield return new TestCaseData((Func<OAuthRefusalTests, string>)(t => t.Signed(t.Resource, TimeSpan.FromMinutes(-5)))).SetName("An expired access token gets 401");
        yield return new TestCaseData((Func<OAuthRefusalTests, string>)(t => t.Signed("http://127.0.0.1:1/mcp", TimeSpan.FromMinutes(5)))).SetName("An access token for another resource gets 401");
        yield return new TestCaseData((Func<OAuthRefusalTests, string>)(t => t.Signed(t.Resource, TimeSpan.FromMinutes(5), issuer: "https://evil.example/"))).SetName("An access token from another issuer gets 401");
        yield return new TestCaseData((Func<OAuthRefusalTests, string>)(t => t.Signed(t.Resource, TimeSpan.FromMinutes(5), key: new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048))))).SetName("An access token signed by another key gets 401");
        yield return new TestCaseData((Func<OAuthRefusalTests, string>)(t => Unsigned(t.Signed(t.Resource, TimeSpan.FromMinutes(5))))).SetName("An access token with alg none gets 401");
        yield return new TestCaseData((Func<OAuthRefusalTests, string>)(t => Tampered(t.Signed(t.Resource, TimeSpan.FromMinutes(5))))).SetName("A tampered access token gets 401");
    }

    [TestCaseSource(nameof(ForeignTokens))]
    public async Task Only_this_servers_own_valid_tokens_for_this_resource_are_accepted(Func<OAuthRefusalTests, string> token)
    {
        Assert.That(await OAuthRequests.CallMcpAsync(_http, Signed(Resource, TimeSpan.FromMinutes(5))), Is.EqualTo(HttpStatusCode.OK), "the control: a good token");

        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token(this));
        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter, Does.StartWith("error=\"invalid_token\", resource_metadata="));
    }

    [Test]
    public async Task A_token_issued_at_one_host_name_is_refused_at_another()
    {
        var (code, verifier) = await CodeAsync("host-user");
        var (_, tokens) = await OAuthRequests.ExchangeAsync(_http, _clientId, code, verifier, Callback, _server.BaseAddress);
        using var request = McpRequests.Post("/mcp", McpRequests.Initialize);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());
        request.Headers.Host = $"localhost:{_server.BaseAddress.Port}";

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }

    private string Resource => new Uri(_server.BaseAddress, "/mcp").ToString();

    /// <summary>An access token signed with the server's own current key, with the given audience and lifetime.</summary>
    private string Signed(string audience, TimeSpan lifetime, string? issuer = null, SecurityKey? key = null)
    {
        var signing = key ?? _server.Services.GetRequiredService<SigningKeyRing>().Current.Signing[0];
        var now = DateTime.UtcNow;
        var expires = now + lifetime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? _server.BaseAddress.ToString(),
            Audience = audience,
            IssuedAt = lifetime < TimeSpan.Zero ? expires.AddMinutes(-10) : now,
            NotBefore = lifetime < TimeSpan.Zero ? expires.AddMinutes(-10) : now,
            Expires = expires,
            TokenType = "at+jwt",
            Subject = new ClaimsIdentity([new Claim("sub", "local:forger"), new Claim("scope", "notes.read")]),
            SigningCredentials = new SigningCredentials(signing, SecurityAlgorithms.RsaSha256),
        });
    }

    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        return $"{Base64UrlEncoder.Encode("""{"alg":"none","typ":"at+jwt"}""")}.{parts[1]}.";
    }

    private static string Tampered(string token)
    {
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("local:forger", "local:victim");
        return $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
    }

    private static string LargeDocument() =>
        $$"""{"client_id":"x","client_name":"{{new string('a', 6000)}}","redirect_uris":["https://claude.ai/cb"]}""";

    private async Task<(string Code, string Verifier)> CodeAsync(string user)
    {
        var (verifier, challenge) = OAuthRequests.Pkce();
        using var browser = new SignInBrowser();
        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress,
            OAuthRequests.AuthorizeParameters(_server.BaseAddress, _clientId, Callback, challenge)), user);
        return (SignInBrowser.Parameters(redirect)["code"], verifier);
    }

    /// <summary>The app's document fetcher, built as the app builds it, with the loopback setting chosen by the test.</summary>
    private sealed class ClientMetadataDocumentsProbe(bool allowLoopback)
    {
        public async Task<string?> ProblemAsync(string clientId)
        {
            var options = new StaticOptionsMonitor(new McpFunctions.Auth.Clients.ClientMetadataDocumentOptions { AllowLoopback = allowLoopback });
            using var client = new HttpClient(McpFunctions.Auth.Clients.ClientMetadataDocuments.CreateHandler(options));
            try
            {
                using var response = await client.GetAsync(clientId);
                return null;
            }
            catch (HttpRequestException e)
            {
                return e.InnerException?.Message ?? e.Message;
            }
        }
    }

    private sealed class StaticOptionsMonitor(McpFunctions.Auth.Clients.ClientMetadataDocumentOptions value)
        : Microsoft.Extensions.Options.IOptionsMonitor<McpFunctions.Auth.Clients.ClientMetadataDocumentOptions>
    {
        public McpFunctions.Auth.Clients.ClientMetadataDocumentOptions CurrentValue => value;
        public McpFunctions.Auth.Clients.ClientMetadataDocumentOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<McpFunctions.Auth.Clients.ClientMetadataDocumentOptions, string?> listener) => null;
    }
}
