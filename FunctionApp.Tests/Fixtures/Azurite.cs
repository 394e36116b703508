namespace McpFunctions.Tests.Fixtures;

/// <summary>An Azurite instance on free loopback ports, in memory, for one test run.</summary>
public sealed class Azurite : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly ChildProcess _process;

    private Azurite(ChildProcess process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
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

    public static async Task<Azurite> StartAsync()
    {
        var azurite = await NpmTools.BinAsync("azurite");
        var (blob, queue, table) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var process = ChildProcess.Start(azurite,
        [
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--inMemoryPersistence",
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

        return new Azurite(process, blob, queue, table);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
