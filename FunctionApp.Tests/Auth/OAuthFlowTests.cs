using System.Net;
using System.Text.Json;
using McpFunctions.Features.Identity;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;

namespace McpFunctions.Tests.Auth;

/// <summary>
/// The whole OAuth flow against the app's own authorization server (local sign-in mode): the SDK client discovers
/// it from the 401, registers, sends the user through sign-in and consent in a browser stand-in, and calls tools.
/// </summary>
[NonParallelizable]
public sealed class OAuthFlowTests
{
    private LoopbackServer _server = null!;

    [OneTimeSetUp]
    public void Start() =>
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Auth:Mode"] = "LocalSignIn" }).Start();

    [OneTimeTearDown]
    public async Task StopAsync() => await _server.DisposeAsync();

    [Test]
    public async Task The_SDK_client_registers_signs_in_consents_and_calls_tools_as_the_user()
    {
        using var browser = new SignInBrowser();
        await using var client = await ConnectAsync(browser, "alice");

        var me = (await client.CallToolAsync("whoami")).Read<WhoAmI>();

        Assert.That(me.Id, Is.EqualTo("local:alice"));
        Assert.That(me.Scopes, Is.SupersetOf(new[] { "notes.read", "notes.write", "files.read", "files.write" }));
        Assert.That(browser.LastPage, Is.Empty.Or.Not.Contains("Exception"));
    }

    private async Task<McpClient> ConnectAsync(SignInBrowser browser, string user, Uri? metadataDocument = null)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = _server.Url("/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = new Uri("http://127.0.0.1:1/callback"),
                ClientMetadataDocumentUri = metadataDocument,
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "Flow test client" },
                AuthorizationCallbackHandler = async (context, cancellationToken) =>
                {
                    var redirect = await browser.AuthorizeAsync(context.AuthorizationUri, user, cancellationToken: cancellationToken);
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
