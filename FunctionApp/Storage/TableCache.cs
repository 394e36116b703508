using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Caching.Distributed;

namespace McpFunctions.Storage;

/// <summary>
/// A distributed cache on one table, shared by every instance: one row per key (the key encoded as the partition
/// key), the value in binary chunks, and its expiry. Microsoft.Identity.Web keeps its token cache here, so a user's
/// Entra tokens obtained on one instance are found on any other.
/// </summary>
/// <remarks>
/// Azure offers no table-backed <see cref="IDistributedCache"/> package, and Redis would be a second service to run
/// for a few rows per user. Expired rows are not returned; <c>OAuthSweeper</c> deletes them.
/// </remarks>
internal sealed class TableCache(StorageTables tables, TimeProvider time, string logicalName) : IDistributedCache
{
    /// <summary>A binary property holds at most 64 KiB; 15 of them keep a row under the 1 MiB entity limit.</summary>
    private const int ChunkSize = 64 * 1024;
    private const int MaxChunks = 15;

    public const string ExpiresAtProperty = "ExpiresAt";
    private const string SlidingProperty = "SlidingSeconds";
    private const string ChunksProperty = "Chunks";

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var table = await tables.GetAsync(logicalName, token);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(StorageKey.Encode(key), "", cancellationToken: token);
        if (!row.HasValue || row.Value is not { } entity || Expired(entity))
        {
            return null;
        }

        await SlideAsync(table, entity, token);
        return Value(entity);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(value);
        var chunks = (value.Length + ChunkSize - 1) / ChunkSize;
        if (chunks > MaxChunks)
        {
            throw new InvalidOperationException($"A cache value of {value.Length} bytes exceeds the {MaxChunks * ChunkSize} bytes one table row holds.");
        }

        var now = time.GetUtcNow();
        var entity = new TableEntity(StorageKey.Encode(key), "")
        {
            [ExpiresAtProperty] = ExpiresAt(now, options.AbsoluteExpiration, options.AbsoluteExpirationRelativeToNow, options.SlidingExpiration),
            [SlidingProperty] = options.SlidingExpiration is { } sliding ? (long)sliding.TotalSeconds : null,
            [ChunksProperty] = chunks,
        };
        for (var i = 0; i < chunks; i++)
        {
            entity["D" + i] = value.AsSpan(i * ChunkSize, Math.Min(ChunkSize, value.Length - i * ChunkSize)).ToArray();
        }

        var table = await tables.GetAsync(logicalName, token);
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, token);
    }

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        var table = await tables.GetAsync(logicalName, token);
        var row = await table.GetEntityIfExistsAsync<TableEntity>(StorageKey.Encode(key), "", [ExpiresAtProperty, SlidingProperty], token);
        if (row.HasValue && row.Value is { } entity && !Expired(entity))
        {
            await SlideAsync(table, entity, token);
        }
    }

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        var table = await tables.GetAsync(logicalName, token);
        await table.DeleteEntityAsync(StorageKey.Encode(key), "", ETag.All, token);
    }

    private bool Expired(TableEntity entity) => entity.GetDateTimeOffset(ExpiresAtProperty) is { } expires && expires <= time.GetUtcNow();

    /// <summary>
    /// Moves a sliding expiry on once half of its window has passed, not on every read, so a busy key costs a write
    /// at most twice per window. A concurrent writer wins (the ETag), which only keeps its own, newer expiry.
    /// </summary>
    private async Task SlideAsync(TableClient table, TableEntity entity, CancellationToken token)
    {
        if (entity.GetInt64(SlidingProperty) is not { } seconds || entity.GetDateTimeOffset(ExpiresAtProperty) is not { } expires)
        {
            return;
        }

        var now = time.GetUtcNow();
        var window = TimeSpan.FromSeconds(seconds);
        if (expires - now > window / 2)
        {
            return;
        }

        try
        {
            await table.UpdateEntityAsync(new TableEntity(entity.PartitionKey, entity.RowKey) { [ExpiresAtProperty] = now + window }, entity.ETag, TableUpdateMode.Merge, token);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
        }
    }

    private static DateTimeOffset? ExpiresAt(DateTimeOffset now, DateTimeOffset? absolute, TimeSpan? relative, TimeSpan? sliding)
    {
        DateTimeOffset? end = relative is { } r ? now + r : absolute;
        if (sliding is { } s && (end is null || now + s < end))
        {
            end = now + s;
        }

        return end;
    }

    private static byte[] Value(TableEntity entity)
    {
        var chunks = entity.GetInt32(ChunksProperty) ?? 0;
        var parts = Enumerable.Range(0, chunks).Select(i => entity.GetBinary("D" + i) ?? []).ToArray();
        var value = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(value, offset);
            offset += part.Length;
        }

        return value;
    }
}
