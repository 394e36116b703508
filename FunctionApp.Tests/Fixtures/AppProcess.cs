namespace McpFunctions.Tests.Fixtures;

/// <summary>One instance of the built app as its own process on a free 127.0.0.1 port, against the run's Azurite.</summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private AppProcess(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string Output => _process.Output;

    public bool HasExited => _process.HasExited;

    public static async Task<AppProcess> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string?>
        {
            ["FUNCTIONS_CUSTOMHANDLER_PORT"] = null,
            ["ASPNETCORE_URLS"] = null,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["DOTNET_URLS"] = null,
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["AzureWebJobsStorage"] = TestRun.Azurite.ConnectionString,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Telemetry__Console"] = "false",
            ["RateLimits__McpRequestsPerMinute"] = "100000000",
            ["RateLimits__McpBurst"] = "100000000",
            ["RateLimits__OAuthRequestsPerMinute"] = "100000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var process = ChildProcess.Start("dotnet", [BuildOutput.App, "--urls", $"http://127.0.0.1:{port}"], BuildOutput.Folder, environment);
        var app = new AppProcess(process, port);
        try
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => process.HasExited);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var output = process.Output;
            await process.DisposeAsync();
            throw new InvalidOperationException($"The app did not start on port {port}: {e.Message}\n{output}", e);
        }

        return app;
    }

    /// <summary>Ends the process abruptly, as a crashed or reclaimed instance would, and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
