namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// An Azurite instance on free loopback ports: in memory for the test run, or on disk for a test that stops storage
/// and starts it again with its data.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly ChildProcess _process;
    private readonly string? _folder;

    private Azurite(ChildProcess process, string? folder, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        _folder = folder;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        $"AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public string Output => _process.Output;

    public static Task<Azurite> StartAsync() => StartAsync(null, FreePort.Next(), FreePort.Next(), FreePort.Next());

    /// <summary>An in-memory Azurite that writes an access log line for every request (see <see cref="AccessLog"/>).</summary>
    public static Task<Azurite> StartWithAccessLogAsync() => StartAsync(null, FreePort.Next(), FreePort.Next(), FreePort.Next(), accessLog: true);

    /// <summary>
    /// The requests served so far, one line each (<c>"GET /devstoreaccount1/mcpnotes(...) HTTP/1.1" 200</c>), when
    /// started by <see cref="StartWithAccessLogAsync"/>.
    /// </summary>
    public IReadOnlyList<string> AccessLog =>
        _process.StandardOutput.Split('\n').Where(l => l.Contains(" HTTP/1.1\" ", StringComparison.Ordinal)).ToArray();

    /// <summary>An Azurite that keeps its data in <paramref name="folder"/>, so that it survives a stop and a start.</summary>
    public static Task<Azurite> StartOnDiskAsync(string folder) => StartAsync(folder, FreePort.Next(), FreePort.Next(), FreePort.Next());

    /// <summary>
    /// Stops Azurite with SIGTERM, as an outage would take storage away, and waits until its ports are closed. Azurite
    /// writes its data to disk on SIGTERM; a SIGKILL would lose its own last 5 s of writes (its save interval), which
    /// is a fault of the emulator that Azure Storage does not have.
    /// </summary>
    public async Task StopAsync()
    {
        await ChildProcess.RunAsync("kill", ["-TERM", _process.Id.ToString()], TimeSpan.FromSeconds(10));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>A new Azurite process on the same ports and, on disk, with the same data.</summary>
    public Task<Azurite> StartAgainAsync() => StartAsync(_folder, BlobPort, QueuePort, TablePort);

    private static async Task<Azurite> StartAsync(string? folder, int blob, int queue, int table, bool accessLog = false)
    {
        var azurite = await NpmTools.BinAsync("azurite");
        var process = ChildProcess.Start(azurite,
        [
            .. accessLog ? Array.Empty<string>() : ["--silent"], "--disableTelemetry", "--skipApiVersionCheck",
            .. folder is null ? ["--inMemoryPersistence"] : new[] { "--location", folder },
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
        ]);

        try
        {
            foreach (var port in new[] { blob, queue, table })
            {
                await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => process.HasExited);
            }
        }
        catch (Exception e)
        {
            var output = process.Output;
            await process.DisposeAsync();
            throw new InvalidOperationException($"Azurite did not start: {e.Message}\n{output}", e);
        }

        return new Azurite(process, folder, blob, queue, table);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
