using System.Net;
using McpFunctions.Auth;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Auth;

/// <summary>Auth:Mode: the local developer only in Development; outside it, every call is challenged.</summary>
public sealed class AuthModeTests
{
    [TestCase("Production", "LocalDeveloper", "Auth:Mode is LocalDeveloper, which is allowed only in the Development environment.")]
    [TestCase("Production", "LocalSignIn", "Auth:Mode is LocalSignIn, which is allowed only in the Development environment.")]
    [TestCase("Development", "Anonymous", "Auth:Mode is 'Anonymous'; use one of: Entra, LocalDeveloper, LocalSignIn.")]
    public async Task A_mode_that_cannot_run_here_stops_the_app_with_a_clear_message(string environment, string mode, string message)
    {
        await using var app = Start(environment, mode, FreePort.Next());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await app.WaitForExitAsync(cts.Token);

        Assert.That(app.ExitCode, Is.EqualTo(1));
        Assert.That(app.Output, Does.Contain(message));
        ResponseBody.AssertRevealsNoInternals(app.Output);
    }

    [Test]
    public async Task Outside_Development_a_loopback_call_without_a_token_is_challenged()
    {
        var port = FreePort.Next();
        await using var app = Start("Production", mode: null, port);
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => app.HasExited);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using var response = await http.SendAsync(McpRequests.Post("/mcp", McpRequests.Initialize));
        using var metadata = await http.GetAsync("/.well-known/oauth-protected-resource/mcp");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), app.Output);
        Assert.That(response.Headers.WwwAuthenticate.Single().Parameter,
            Does.StartWith($"resource_metadata=\"http://127.0.0.1:{port}/.well-known/oauth-protected-resource/mcp\", scope=\"{string.Join(' ', McpScopes.All)}\""));
        Assert.That(metadata.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the metadata needs no caller");
    }

    private static ChildProcess Start(string environment, string? mode, int port) =>
        ChildProcess.Start("dotnet", [BuildOutput.App, "--urls", $"http://127.0.0.1:{port}"], BuildOutput.Folder, new Dictionary<string, string?>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["DOTNET_URLS"] = null,
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["AzureWebJobsStorage"] = TestRun.Azurite.ConnectionString,
            ["Auth__Mode"] = mode,
            ["Logging__LogLevel__Default"] = "Warning",
        });
}
