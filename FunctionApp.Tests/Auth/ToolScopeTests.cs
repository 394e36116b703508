using System.Net;
using System.Net.Http.Headers;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// Per-tool authorization: a token that grants fewer scopes sees fewer tools, prompts and resources, and calling a
/// tool it does not grant gets 403 with a step-up challenge naming the scopes to ask for.
/// </summary>
[NonParallelizable]
public sealed class ToolScopeTests
{
    private const string Callback = "https://claude.ai/api/mcp/auth_callback";

    private LoopbackServer _server = null!;
    private HttpClient _http = null!;
    private string _readOnlyToken = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Auth:Mode"] = "LocalSignIn" }).Start();
        _http = _server.CreateHttpClient();
        _readOnlyToken = await TokenAsync("reader", "notes.read");
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Test]
    public async Task Lists_show_only_what_the_token_grants()
    {
        await using var client = await ConnectAsync(_readOnlyToken);

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToArray();
        var prompts = (await client.ListPromptsAsync()).Select(p => p.Name).ToArray();
        var resources = await client.ListResourcesAsync();
        var templates = await client.ListResourceTemplatesAsync();

        Assert.That(tools, Does.Contain("notes_get").And.Contain("notes_search").And.Contain("whoami").And.Contain("calculator_add"));
        Assert.That(tools, Has.None.StartsWith("files_").And.None.StartsWith("preferences_"));
        Assert.That(tools, Does.Not.Contain("notes_add").And.Not.Contain("notes_delete"));
        Assert.That(prompts, Does.Contain("summarize_notes").And.Contain("draft_note").And.Not.Contain("review_file"));
        Assert.That(resources, Is.Empty);
        Assert.That(templates, Is.Empty);
    }

    [Test]
    public async Task A_token_with_every_scope_sees_every_tool()
    {
        await using var client = await ConnectAsync(await TokenAsync("writer", string.Join(' ', McpFunctions.Auth.McpScopes.All)));

        var tools = (await client.ListToolsAsync()).Select(t => t.Name).ToArray();

        Assert.That(tools, Does.Contain("notes_add").And.Contain("files_write").And.Contain("preferences_set"));
    }

    [Test]
    public async Task Calling_a_tool_the_token_does_not_grant_gets_403_with_a_step_up_challenge()
    {
        await using var client = await ConnectAsync(_readOnlyToken);
        using var request = McpRequests.Post("/mcp", """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"notes_add","arguments":{"title":"t","body":"b"}}}""");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _readOnlyToken);
        request.Headers.Add("Mcp-Session-Id", client.SessionId);
        request.Headers.Add("Mcp-Protocol-Version", Clients.SessionRevision);

        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var challenge = response.Headers.WwwAuthenticate.Single().Parameter;
        Assert.That(challenge, Does.StartWith("error=\"insufficient_scope\", resource_metadata=\"http://"));
        Assert.That(challenge, Does.Contain("scope=\"notes.read notes.write\""), "the scopes to ask for: the missing one and those already held");
        Assert.That(body, Does.Contain("\"id\":7").And.Contain("notes.write"));
    }

    [Test]
    public async Task A_tool_the_token_grants_is_called_normally()
    {
        await using var client = await ConnectAsync(_readOnlyToken);

        var result = await client.CallToolAsync("notes_list");

        Assert.That(result.IsError, Is.Not.True);
    }

    [Test]
    public async Task A_session_created_by_one_user_is_not_found_for_another()
    {
        await using var alice = await ConnectAsync(_readOnlyToken);
        var bobToken = await TokenAsync("bob-session", "notes.read");
        using var request = McpRequests.Post("/mcp", """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bobToken);
        request.Headers.Add("Mcp-Session-Id", alice.SessionId);
        request.Headers.Add("Mcp-Protocol-Version", Clients.SessionRevision);

        using var response = await _http.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    private Task<McpClient> ConnectAsync(string token) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" },
        }), new McpClientOptions { ProtocolVersion = Clients.SessionRevision });

    private async Task<string> TokenAsync(string user, string scope)
    {
        var clientId = await OAuthRequests.RegisterAsync(_http, Callback);
        var (verifier, challenge) = OAuthRequests.Pkce();
        var parameters = OAuthRequests.AuthorizeParameters(_server.BaseAddress, clientId, Callback, challenge);
        parameters["scope"] = scope;
        using var browser = new SignInBrowser();
        var redirect = await browser.AuthorizeAsync(OAuthRequests.AuthorizeUrl(_server.BaseAddress, parameters), user);
        var (_, tokens) = await OAuthRequests.ExchangeAsync(_http, clientId, SignInBrowser.Parameters(redirect)["code"], verifier, Callback, _server.BaseAddress);
        return tokens.GetProperty("access_token").GetString()!;
    }
}
