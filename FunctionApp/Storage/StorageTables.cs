using System.Collections.Concurrent;
using Azure.Data.Tables;

namespace McpFunctions.Storage;

/// <summary>Hands out table clients, creating each table on first use (once per process).</summary>
/// <remarks>The service client itself is built on first use too, so start-up never waits for it.</remarks>
internal sealed class StorageTables(Lazy<TableServiceClient> service, IOptions<StorageOptions> options)
{
    private readonly ConcurrentDictionary<string, Task<TableClient>> _ready = new(StringComparer.Ordinal);

    public string PhysicalName(string logicalName) => options.Value.TablePrefix + logicalName;

    /// <summary>The logical names of the tables this process has used (the health check checks them).</summary>
    public IEnumerable<string> Opened => _ready.Keys;

    public async ValueTask<TableClient> GetAsync(string logicalName, CancellationToken cancellationToken)
    {
        var task = _ready.GetOrAdd(logicalName, name => CreateAsync(PhysicalName(name)));
        try
        {
            return await task.WaitAsync(cancellationToken);
        }
        catch when (task.IsFaulted || task.IsCanceled)
        {
            // A failed creation is not cached: the next call tries again.
            _ready.TryRemove(new KeyValuePair<string, Task<TableClient>>(logicalName, task));
            throw;
        }
    }

    private async Task<TableClient> CreateAsync(string physicalName)
    {
        var client = service.Value.GetTableClient(physicalName);
        await client.CreateIfNotExistsAsync(CancellationToken.None);
        return client;
    }
}
