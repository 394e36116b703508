namespace McpFunctions.Bench;

/// <summary>An in-memory Azurite on free loopback ports, which McpFunctions needs to start.</summary>
internal sealed class Azurite : IAsyncDisposable
{
    // The well-known development storage key, published by Microsoft for the emulator.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly ChildProcess _process;

    private Azurite(ChildProcess process, int blob, int queue, int table)
    {
        _process = process;
        ConnectionString =
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            $"AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;" +
            $"QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public string ConnectionString { get; }

    public static async Task<Azurite> StartAsync()
    {
        var bin = Path.Combine(RepoPaths.Root, "node_modules", ".bin", "azurite");
        if (!File.Exists(bin))
        {
            var (exitCode, output) = await ChildProcess.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], RepoPaths.Root, TimeSpan.FromMinutes(10));
            if (exitCode != 0 || !File.Exists(bin))
            {
                throw new InvalidOperationException($"'npm ci' did not install Azurite (exit {exitCode}):\n{output}");
            }
        }

        var (blob, queue, table) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        var process = ChildProcess.Start(bin,
        [
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--inMemoryPersistence",
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(),
            "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(),
        ], RepoPaths.Root);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var port in new[] { blob, queue, table })
        {
            while (!await FreePort.IsListeningAsync(port))
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    var output = process.Output;
                    await process.DisposeAsync();
                    throw new InvalidOperationException($"Azurite did not start:\n{output}");
                }

                await Task.Delay(100);
            }
        }

        return new Azurite(process, blob, queue, table);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
