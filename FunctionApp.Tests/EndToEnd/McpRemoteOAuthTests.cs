using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using McpFunctions.Features.Identity;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.EndToEnd;

/// <summary>
/// mcp-remote's own OAuth flow against the app in local sign-in mode (<c>./run.sh --oauth</c>), with a real headless
/// browser in place of the user's: mcp-remote registers itself, prints the authorization URL and hands it to the
/// "desktop browser" (a stand-in that only records it), chromium signs in and presses Allow, and the code comes back
/// to mcp-remote's loopback callback. A stdio host (the SDK's stdio client) then calls tools as the signed-in user.
/// </summary>
[NonParallelizable]
public sealed class McpRemoteOAuthTests
{
    private LoopbackServer _server = null!;
    private Chromium _chromium = null!;
    private string _home = null!;
    private int _callbackPort;
    private readonly List<string> _stderr = [];

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Auth:Mode"] = "LocalSignIn" }).Start();
        _chromium = await Chromium.LaunchAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _chromium.DisposeAsync();
        await _server.DisposeAsync();
    }

    [SetUp]
    public void GiveMcpRemoteAHomeOfItsOwn()
    {
        _home = Directory.CreateTempSubdirectory("mcpfunctions-mcp-remote-oauth-").FullName;
        // One callback port for every start in a test, as a desktop host's config keeps it: mcp-remote forgets its
        // client registration (and with it the refresh token's client) when the port changes.
        _callbackPort = FreePort.Next();
        // The "desktop browser" mcp-remote opens: it writes down the URL and opens nothing.
        var browser = Path.Combine(_home, "browser");
        File.WriteAllText(browser, "#!/bin/sh\nprintf '%s\\n' \"$1\" >> \"$(dirname \"$0\")/opened-urls\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        _stderr.Clear();
    }

    [TearDown]
    public void DeleteHome()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Passed)
        {
            lock (_stderr)
            {
                TestContext.Out.WriteLine("mcp-remote stderr:\n" + string.Join('\n', _stderr));
            }
        }

        Directory.Delete(_home, recursive: true);
    }

    [Test]
    public async Task mcp_remote_signs_in_through_the_browser_then_starts_again_with_the_stored_tokens()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        await using (var first = await SignInAsync("ada", cts.Token))
        {
            var me = (await first.Client.CallToolAsync("whoami", cancellationToken: cts.Token)).Read<WhoAmI>();
            var tools = await first.Client.ListToolsAsync(cancellationToken: cts.Token);

            Assert.That(me.Id, Is.EqualTo("local:ada"));
            Assert.That(tools.Select(t => t.Name), Is.SupersetOf(new[] { "notes_add", "notes_get", "whoami" }));
        }

        var tokens = StoredTokens();
        await using (var again = await StartAsync("second start", cts.Token))
        {
            var me = (await again.Client.CallToolAsync("whoami", cancellationToken: cts.Token)).Read<WhoAmI>();

            Assert.That(me.Id, Is.EqualTo("local:ada"));
            Assert.That(again.AuthorizationUrl.Task.IsCompleted, Is.False, "no second sign-in");
        }

        Assert.That(StoredTokens()["access_token"]!.GetValue<string>(), Is.EqualTo(tokens["access_token"]!.GetValue<string>()), "the stored access token was used as it was");
        Assert.That(OpenedUrls(), Has.Count.EqualTo(1), "the browser was opened once, for the first start only");
    }

    [Test]
    public async Task mcp_remote_refreshes_an_expired_access_token_on_its_next_start_without_the_browser()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await (await SignInAsync("grace", cts.Token)).DisposeAsync();
        var tokens = StoredTokens();
        var refreshToken = tokens["refresh_token"]!.GetValue<string>();

        // mcp-remote renews a stored access token that has expired (by its own record) before it connects.
        tokens["expires_at"] = 1; // 1 ms after the epoch (0 would read as "unknown")
        File.WriteAllText(TokensFile(), tokens.ToJsonString());
        await using (var again = await StartAsync("after expiry", cts.Token))
        {
            var me = (await again.Client.CallToolAsync("whoami", cancellationToken: cts.Token)).Read<WhoAmI>();

            Assert.That(me.Id, Is.EqualTo("local:grace"));
            Assert.That(again.AuthorizationUrl.Task.IsCompleted, Is.False, "no second sign-in");
        }

        var renewed = StoredTokens();
        Assert.That(renewed["refresh_token"]!.GetValue<string>(), Is.Not.EqualTo(refreshToken), "the refresh token was used (and rotated)");
        Assert.That(renewed["access_token"]!.GetValue<string>(), Is.Not.EqualTo(tokens["access_token"]!.GetValue<string>()));
        Assert.That(OpenedUrls(), Has.Count.EqualTo(1));
    }

    /// <summary>
    /// Starts mcp-remote with no stored tokens, waits for the authorization URL, signs <paramref name="user"/> in with
    /// chromium and returns the connected stdio client.
    /// </summary>
    private async Task<Start> SignInAsync(string user, CancellationToken cancellationToken)
    {
        var start = await StartWithoutWaitingAsync("first start", cancellationToken);
        try
        {
            var signedIn = await Task.WhenAny(start.AuthorizationUrl.Task, start.Connected);
            if (signedIn != start.AuthorizationUrl.Task)
            {
                await start.Connected; // throws what went wrong
                Assert.Fail("mcp-remote connected without asking the user to sign in.");
            }

            var authorizationUrl = await start.AuthorizationUrl.Task;
            var redirectUri = new Uri(QueryHelpers.ParseQuery(authorizationUrl.Query)["redirect_uri"].ToString());
            Assert.That(authorizationUrl.GetLeftPart(UriPartial.Path), Is.EqualTo(_server.Url("/authorize").ToString()));
            Assert.That(redirectUri.Host, Is.EqualTo("127.0.0.1"));

            var answer = await _chromium.SignInAndAllowAsync(authorizationUrl, user, redirectUri, cancellationToken);

            Assert.That(answer, Does.Contain("Authorization successful"));
            start.Client = await start.Connected;
            // It hands the browser the URL it printed (re-encoded: '+' becomes %20).
            Assert.That(OpenedUrls().Select(u => State(new Uri(u))), Is.EqualTo(new[] { State(authorizationUrl) }), "mcp-remote opened the browser once, at the URL it printed");
            return start;
        }
        catch
        {
            await start.DisposeAsync();
            throw;
        }
    }

    private async Task<Start> StartAsync(string name, CancellationToken cancellationToken)
    {
        var start = await StartWithoutWaitingAsync(name, cancellationToken);
        try
        {
            start.Client = await start.Connected;
            return start;
        }
        catch
        {
            await start.DisposeAsync();
            throw;
        }
    }

    private async Task<Start> StartWithoutWaitingAsync(string name, CancellationToken cancellationToken)
    {
        var mcpRemote = await NpmTools.BinAsync("mcp-remote");
        var authorizationUrl = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var authorizePrefix = _server.Url("/authorize").ToString() + "?";
        var stdio = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "mcp-remote",
            Command = mcpRemote,
            Arguments =
            [
                _server.Url("/mcp").ToString(),
                _callbackPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // The callback URL on 127.0.0.1 rather than localhost, where the callback server listens anyway.
                "--host", "127.0.0.1",
                // How long it waits for the browser to come back (30 s by default): only a guard against a hang.
                "--auth-timeout", "120",
            ],
            WorkingDirectory = _home,
            EnvironmentVariables = new Dictionary<string, string?>
            {
                // mcp-remote keeps OAuth state in ~/.mcp-auth (or MCP_REMOTE_CONFIG_DIR): never the real home.
                ["HOME"] = _home,
                ["MCP_REMOTE_CONFIG_DIR"] = Path.Combine(_home, ".mcp-auth"),
                // It opens the URL with xdg-open, which with no desktop session and no display runs $BROWSER.
                ["BROWSER"] = Path.Combine(_home, "browser"),
                ["XDG_CURRENT_DESKTOP"] = "X-Generic",
                ["DISPLAY"] = null,
                ["WAYLAND_DISPLAY"] = null,
            },
            StandardErrorLines = line =>
            {
                lock (_stderr)
                {
                    _stderr.Add($"[{name}] {line}");
                }

                if (line.StartsWith(authorizePrefix, StringComparison.Ordinal))
                {
                    authorizationUrl.TrySetResult(new Uri(line.Trim()));
                }
            },
            ShutdownTimeout = TimeSpan.FromSeconds(5),
        }, NullLoggerFactory.Instance);

        var options = new McpClientOptions
        {
            ProtocolVersion = Clients.SessionRevision,
            ClientInfo = new Implementation { Name = "McpFunctions.Tests via mcp-remote (OAuth)", Version = "1.0.0" },
            // The stdio host's initialize waits while the user signs in; this is only a hang guard.
            InitializationTimeout = TimeSpan.FromMinutes(2),
        };
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        return new Start(McpClient.CreateAsync(stdio, options, NullLoggerFactory.Instance, stop.Token), authorizationUrl, stop);
    }

    private static string State(Uri authorizationUrl) => QueryHelpers.ParseQuery(authorizationUrl.Query)["state"].ToString();

    private string TokensFile()
    {
        var files = Directory.GetFiles(Path.Combine(_home, ".mcp-auth"), "*_tokens.json", SearchOption.AllDirectories);
        Assert.That(files, Has.Length.EqualTo(1), "mcp-remote stored one set of tokens");
        return files[0];
    }

    private JsonObject StoredTokens() => JsonNode.Parse(File.ReadAllText(TokensFile()))!.AsObject();

    private List<string> OpenedUrls()
    {
        var file = Path.Combine(_home, "opened-urls");
        return File.Exists(file) ? File.ReadAllLines(file).ToList() : [];
    }

    /// <summary>One start of mcp-remote: the stdio client connecting through it, and the sign-in URL if it printed one.</summary>
    private sealed class Start(Task<McpClient> connected, TaskCompletionSource<Uri> authorizationUrl, CancellationTokenSource stop) : IAsyncDisposable
    {
        public Task<McpClient> Connected { get; } = connected;

        public TaskCompletionSource<Uri> AuthorizationUrl { get; } = authorizationUrl;

        public McpClient Client { get; set; } = null!;

        public async ValueTask DisposeAsync()
        {
            // A start still waiting for its sign-in gives up now (its process is stopped) rather than at its timeout.
            await stop.CancelAsync();
            try
            {
                await (await Connected).DisposeAsync();
            }
            catch (Exception)
            {
                // It never connected: the failure is reported where it was awaited.
            }

            stop.Dispose();
        }
    }
}
