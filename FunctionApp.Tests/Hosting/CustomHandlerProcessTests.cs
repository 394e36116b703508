using System.Net;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Hosting;

/// <summary>The built app started the way the Functions host starts a custom handler: `dotnet McpFunctions.dll` in the build folder.</summary>
public sealed class CustomHandlerProcessTests
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60); // the Functions host's own limit

    [OneTimeSetUp]
    public void TheAppIsBuilt()
    {
        Assert.That(File.Exists(BuildOutput.App), Is.True, $"Build the solution ({BuildOutput.Configuration}) first: {BuildOutput.App} is missing.");
    }

    [Test]
    public async Task It_serves_mcp_on_127_0_0_1_at_the_port_the_Functions_host_gives_it()
    {
        var port = FreePort.Next();
        await using var app = StartApp([], new() { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port.ToString() });
        await WaitUntilListeningAsync(app, port);

        await using var client = await Clients.ConnectAsync(new Uri($"http://127.0.0.1:{port}/mcp"), HttpTransportMode.StreamableHttp,
            new McpClientOptions { ProtocolVersion = Clients.SessionRevision });
        var tools = await client.ListToolsAsync();
        var sum = await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 40, ["b"] = 2 });

        Assert.That(tools.Select(t => t.Name), Does.Contain("notes_add"));
        Assert.That(sum.Content.OfType<TextContentBlock>().Single().Text, Is.EqualTo("42"));
        Assert.That(app.Output, Does.Contain($"http://127.0.0.1:{port}"));
    }

    [Test]
    public async Task The_Functions_host_port_wins_over_urls()
    {
        var (hostPort, urlsPort) = (FreePort.Next(), FreePort.Next());
        await using var app = StartApp(["--urls", $"http://127.0.0.1:{urlsPort}"], new() { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = hostPort.ToString() });
        await WaitUntilListeningAsync(app, hostPort);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var health = await http.GetAsync($"http://127.0.0.1:{hostPort}/healthz");
        Assert.That(health.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(async () => await http.GetAsync($"http://127.0.0.1:{urlsPort}/"), Throws.InstanceOf<HttpRequestException>());
    }

    [Test]
    public async Task Without_the_Functions_host_port_it_listens_where_urls_says()
    {
        var port = FreePort.Next();
        await using var app = StartApp(["--urls", $"http://127.0.0.1:{port}"], new());
        await WaitUntilListeningAsync(app, port);

        await using var client = await Clients.ConnectAsync(new Uri($"http://127.0.0.1:{port}/sse"), HttpTransportMode.Sse, new McpClientOptions());
        var tools = await client.ListToolsAsync();

        Assert.That(tools.Select(t => t.Name), Does.Contain("notes_add"));
    }

    [TestCase("abc")]
    [TestCase("0")]
    [TestCase("70000")]
    [TestCase("7071/mcp")]
    public async Task An_invalid_Functions_host_port_stops_it_with_a_clear_message(string port)
    {
        await using var app = StartApp([], new() { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = port });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await app.WaitForExitAsync(cts.Token);

        Assert.That(app.ExitCode, Is.EqualTo(1));
        Assert.That(app.Output, Does.Contain($"FUNCTIONS_CUSTOMHANDLER_PORT is '{port}', which is not a TCP port number"));
        ResponseBody.AssertRevealsNoInternals(app.Output);
    }

    private static ChildProcess StartApp(string[] arguments, Dictionary<string, string?> environment)
    {
        // Only what the Functions host would set; ambient listening settings must not leak in from the test runner.
        environment.TryAdd("FUNCTIONS_CUSTOMHANDLER_PORT", null);
        environment["ASPNETCORE_URLS"] = null;
        environment["ASPNETCORE_HTTP_PORTS"] = null;
        environment["DOTNET_URLS"] = null;
        environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        environment["AzureWebJobsStorage"] = TestRun.Azurite.ConnectionString;
        return ChildProcess.Start("dotnet", [BuildOutput.App, .. arguments], BuildOutput.Folder, environment);
    }

    private static async Task WaitUntilListeningAsync(ChildProcess app, int port)
    {
        try
        {
            await FreePort.WaitUntilListeningAsync(port, StartLimit, () => app.HasExited);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            Assert.Fail($"The app did not listen on 127.0.0.1:{port}: {e.Message}\n{app.Output}");
        }
    }
}
