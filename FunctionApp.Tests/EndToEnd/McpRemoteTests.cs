using System.Collections.Concurrent;
using McpFunctions.Tests.Fixtures;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.EndToEnd;

/// <summary>
/// mcp-remote, the stdio bridge that Claude Desktop and other stdio-only hosts use, started as a stdio MCP server
/// and driven by the SDK's own stdio client, the way run.sh's claude_desktop_config.json snippet does.
/// </summary>
public sealed class McpRemoteTests
{
    private readonly ConcurrentQueue<string> _stderr = new();
    private string _home = null!;

    [SetUp]
    public void GiveMcpRemoteAHomeOfItsOwn() => _home = Directory.CreateTempSubdirectory("mcpfunctions-mcp-remote-").FullName;

    [TearDown]
    public void DeleteHome()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Passed)
        {
            TestContext.Out.WriteLine("mcp-remote stderr:\n" + string.Join('\n', _stderr));
        }

        Directory.Delete(_home, recursive: true);
    }

    [TestCase("/mcp", null)]
    [TestCase("/mcp", "http-only")]
    [TestCase("/sse", "sse-only")]
    public async Task A_stdio_host_reaches_the_tools_through_mcp_remote(string path, string? transport)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var client = await ConnectAsync(path, transport, cts.Token);

        var tools = await client.ListToolsAsync(cancellationToken: cts.Token);
        var title = $"via mcp-remote {path} {Guid.NewGuid():N}";
        var added = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = title }, cancellationToken: cts.Token);
        var id = added.StructuredContent?.GetProperty("id").GetString();
        var read = await client.CallToolAsync("notes_get", new Dictionary<string, object?> { ["id"] = id }, cancellationToken: cts.Token);

        Assert.That(client.ServerInfo?.Name, Is.EqualTo("McpFunctions"));
        Assert.That(client.NegotiatedProtocolVersion, Is.EqualTo(Clients.SessionRevision));
        Assert.That(tools.Select(t => t.Name), Is.SupersetOf(new[] { "notes_add", "notes_get", "files_read", "whoami" }));
        Assert.That(added.IsError, Is.Not.True);
        Assert.That(read.IsError, Is.Not.True);
        Assert.That(read.StructuredContent?.GetProperty("title").GetString(), Is.EqualTo(title));
    }

    [Test]
    public async Task mcp_remote_connects_without_signing_in_when_the_server_asks_for_no_token()
    {
        // Observed with mcp-remote 0.15.1: before connecting it probes the MCP URL for a WWW-Authenticate
        // challenge (the loopback dev sign-in answers without one), then looks for authorization server metadata
        // at four well-known URLs, gets 404 from each (no authorization server yet), and connects with no token.
        // Whatever metadata the server publishes, a server that answers without a challenge must not make it start a
        // browser sign-in or register a client, so nothing but its logs may appear in its config folder.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using (var client = await ConnectAsync("/mcp", null, cts.Token))
        {
            var whoami = await client.CallToolAsync("whoami", cancellationToken: cts.Token);
            Assert.That(whoami.IsError, Is.Not.True);
            Assert.That(string.Join('\n', whoami.Content.OfType<TextContentBlock>().Select(c => c.Text)), Does.Contain("local-developer"));
        }

        Assert.That(_stderr, Has.Some.Contains("Connected to remote server"));
        Assert.That(_stderr, Has.Some.Contains("Discovering OAuth server configuration"));
        Assert.That(_stderr, Has.None.Contains("Authentication required").And.None.Contains("To authorize this client"));
        var written = Directory.EnumerateFiles(_home, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();
        Assert.That(written, Has.None.Contains("tokens").And.None.Contains("client_info").And.None.Contains("code_verifier"));
    }

    private async Task<McpClient> ConnectAsync(string path, string? transport, CancellationToken cancellationToken)
    {
        var mcpRemote = await NpmTools.BinAsync("mcp-remote");
        List<string> arguments = [TestRun.Server.Url(path).ToString()];
        if (transport is not null)
        {
            arguments.AddRange(["--transport", transport]);
        }

        var stdio = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "mcp-remote",
            Command = mcpRemote,
            Arguments = arguments,
            WorkingDirectory = _home,
            EnvironmentVariables = new Dictionary<string, string?>
            {
                // mcp-remote keeps OAuth state in ~/.mcp-auth (or MCP_REMOTE_CONFIG_DIR): never the real home.
                ["HOME"] = _home,
                ["MCP_REMOTE_CONFIG_DIR"] = Path.Combine(_home, ".mcp-auth"),
            },
            StandardErrorLines = _stderr.Enqueue,
            ShutdownTimeout = TimeSpan.FromSeconds(5),
        }, NullLoggerFactory.Instance);

        // Desktop hosts speak 2025-11-25 and mcp-remote passes their initialize through unchanged.
        var options = new McpClientOptions
        {
            ProtocolVersion = Clients.SessionRevision,
            ClientInfo = new Implementation { Name = "McpFunctions.Tests via mcp-remote", Version = "1.0.0" },
        };
        return await McpClient.CreateAsync(stdio, options, NullLoggerFactory.Instance, cancellationToken);
    }
}
