using System.Text.Json;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.EndToEnd;

/// <summary>
/// The Inspector CLI's own OAuth flow against the app in local sign-in mode (<c>./run.sh --oauth</c>): it registers,
/// hands the sign-in URL to the "desktop browser" (a stand-in that records it), chromium signs in and presses Allow,
/// and the CLI's loopback callback receives the code. A second run reuses the stored tokens without a browser.
/// </summary>
[NonParallelizable]
public sealed class InspectorCliOAuthTests
{
    private LoopbackServer _server = null!;
    private Chromium _chromium = null!;
    private string _home = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Auth:Mode"] = "LocalSignIn" }).Start();
        _chromium = await Chromium.LaunchAsync();
        _home = Directory.CreateTempSubdirectory("mcpfunctions-inspector-oauth-").FullName;
        var browser = Path.Combine(_home, "browser");
        File.WriteAllText(browser, "#!/bin/sh\nprintf '%s\\n' \"$1\" >> \"$(dirname \"$0\")/opened-urls\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(browser, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _chromium.DisposeAsync();
        await _server.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Test]
    public async Task The_Inspector_CLI_signs_in_through_the_browser_then_reuses_its_stored_tokens()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var callback = new Uri($"http://127.0.0.1:{FreePort.Next()}/oauth/callback");
        var inspector = await NpmTools.BinAsync("mcp-inspector");
        var environment = new Dictionary<string, string?>
        {
            ["HOME"] = _home,
            ["MCP_CATALOG_PATH"] = Path.Combine(_home, "mcp.json"),
            ["MCP_AUTO_OPEN_ENABLED"] = "true",
            ["MCP_INSPECTOR_SECRET_STORE"] = "file",
            ["BROWSER"] = Path.Combine(_home, "browser"),
            ["DISPLAY"] = null,
            ["WAYLAND_DISPLAY"] = null,
        };
        string[] call = ["--cli", _server.Url("/mcp").ToString(), "--transport", "http", "--callback-url", callback.ToString(), "--method", "tools/call", "--tool-name", "whoami"];

        await using (var first = ChildProcess.Start(inspector, call, _home, environment))
        {
            var authorization = await OpenedUrlAsync(first, cts.Token);
            await _chromium.SignInAndAllowAsync(authorization, "grace", callback, cts.Token);
            await first.WaitForExitAsync(cts.Token);
            Assert.That(first.ExitCode, Is.EqualTo(0), first.Output);
            Assert.That(WhoAmI(first.StandardOutput), Is.EqualTo("local:grace"), first.Output);
        }

        File.Delete(Path.Combine(_home, "opened-urls"));
        await using var second = await ChildProcess.RunToExitAsync(inspector, [.. call, "--stored-auth-only"], TimeSpan.FromSeconds(90), _home, environment);

        Assert.That(second.ExitCode, Is.EqualTo(0), second.Output);
        Assert.That(WhoAmI(second.StandardOutput), Is.EqualTo("local:grace"));
        Assert.That(File.Exists(Path.Combine(_home, "opened-urls")), Is.False, "no browser the second time");
    }

    private static string? WhoAmI(string output)
    {
        using var result = JsonDocument.Parse(output);
        return result.RootElement.GetProperty("structuredContent").GetProperty("id").GetString();
    }

    /// <summary>The sign-in URL the CLI handed to the browser stand-in.</summary>
    private async Task<Uri> OpenedUrlAsync(ChildProcess cli, CancellationToken cancellationToken)
    {
        var opened = Path.Combine(_home, "opened-urls");
        while (!File.Exists(opened) || File.ReadAllText(opened).Trim().Length == 0)
        {
            if (cli.HasExited)
            {
                throw new AssertionException($"The Inspector exited ({cli.ExitCode}) before opening a browser:\n{cli.Output}");
            }

            await Task.Delay(50, cancellationToken);
        }

        return new Uri(File.ReadAllLines(opened)[0]);
    }
}
