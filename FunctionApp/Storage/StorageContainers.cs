using System.Collections.Concurrent;
using Azure.Storage.Blobs;

namespace McpFunctions.Storage;

/// <summary>Hands out blob container clients, creating each container on first use (once per process).</summary>
/// <remarks>The service client itself is built on first use too, so start-up never waits for it.</remarks>
internal sealed class StorageContainers(Lazy<BlobServiceClient> service)
{
    private readonly ConcurrentDictionary<string, Task<BlobContainerClient>> _ready = new(StringComparer.Ordinal);

    public async ValueTask<BlobContainerClient> GetAsync(string name, CancellationToken cancellationToken)
    {
        var task = _ready.GetOrAdd(name, CreateAsync);
        try
        {
            return await task.WaitAsync(cancellationToken);
        }
        catch when (task.IsFaulted || task.IsCanceled)
        {
            _ready.TryRemove(new KeyValuePair<string, Task<BlobContainerClient>>(name, task));
            throw;
        }
    }

    private async Task<BlobContainerClient> CreateAsync(string name)
    {
        var client = service.Value.GetBlobContainerClient(name);
        await client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None);
        return client;
    }
}
