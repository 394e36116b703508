using McpFunctions.Tests.Fixtures;

// No namespace: NUnit runs a SetUpFixture in the global namespace once for the whole assembly.
#pragma warning disable CA1050

/// <summary>Starts Azurite and one shared server for the whole run, and stops them at the end.</summary>
[SetUpFixture]
public sealed class TestRun
{
    private static Azurite? _azurite;
    private static LoopbackServer? _server;

    public static Azurite Azurite => _azurite ?? throw new InvalidOperationException("Azurite has not started.");

    public static LoopbackServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _azurite = await Azurite.StartAsync();
        _server = new LoopbackServer(_azurite.ConnectionString).Start();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
