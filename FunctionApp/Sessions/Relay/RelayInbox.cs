using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Sessions.Relay;

/// <summary>
/// Per-instance inboxes in Table Storage (PartitionKey = receiving instance id, RowKey = time-ordered id).
/// Bodies over 30,000 characters go to the <c>mcp-relay</c> blob container, named by the row.
/// </summary>
internal sealed class RelayInbox(StorageTables tables, StorageContainers containers, TimeProvider time)
{
    public const string LargeBodyContainer = "mcp-relay";
    private const int InlineBodyLimit = 30_000;

    public async Task EnqueueAsync(string instanceId, RelayMessage message, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Relay, cancellationToken);
        var now = time.GetUtcNow();
        var rowKey = $"{now.UtcTicks:D19}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}";
        var entity = new TableEntity(instanceId, rowKey)
        {
            ["Kind"] = message.Kind,
            ["SessionId"] = message.SessionId,
            ["ProtocolVersion"] = message.ProtocolVersion,
            ["EnqueuedAt"] = now,
        };

        if (message.Body is { Length: > InlineBodyLimit })
        {
            var container = await containers.GetAsync(LargeBodyContainer, cancellationToken);
            await container.GetBlobClient($"{instanceId}/{rowKey}").UploadAsync(BinaryData.FromString(message.Body), overwrite: true, cancellationToken);
            entity["BodyBlob"] = $"{instanceId}/{rowKey}";
        }
        else
        {
            entity["Body"] = message.Body;
        }

        await table.AddEntityAsync(entity, cancellationToken);
    }

    /// <summary>The oldest messages waiting for <paramref name="instanceId"/>, in the order they were queued.</summary>
    public async Task<IReadOnlyList<(string RowKey, RelayMessage Message, string? BlobName)>> PeekAsync(string instanceId, int max, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Relay, cancellationToken);
        var result = new List<(string, RelayMessage, string?)>();
        await foreach (var page in table.QueryAsync<TableEntity>(e => e.PartitionKey == instanceId, maxPerPage: max, cancellationToken: cancellationToken).AsPages(pageSizeHint: max))
        {
            foreach (var row in page.Values)
            {
                var body = row.GetString("Body");
                var blobName = row.GetString("BodyBlob");
                if (blobName is not null)
                {
                    var container = await containers.GetAsync(LargeBodyContainer, cancellationToken);
                    try
                    {
                        body = (await container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
                    }
                    catch (RequestFailedException e) when (e.Status == 404)
                    {
                        body = null;
                    }
                }

                result.Add((row.RowKey, new RelayMessage(
                    row.GetString("Kind") ?? "",
                    row.GetString("SessionId") ?? "",
                    body,
                    row.GetString("ProtocolVersion"),
                    row.GetDateTimeOffset("EnqueuedAt") ?? DateTimeOffset.MinValue), blobName));
            }

            break;
        }

        return result;
    }

    public async Task CompleteAsync(string instanceId, string rowKey, string? blobName, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Relay, cancellationToken);
        await table.DeleteEntityAsync(instanceId, rowKey, ETag.All, cancellationToken);
        if (blobName is not null)
        {
            var container = await containers.GetAsync(LargeBodyContainer, cancellationToken);
            await container.GetBlobClient(blobName).DeleteIfExistsAsync(cancellationToken: cancellationToken);
        }
    }

    /// <summary>Drops everything still queued for an instance that is gone.</summary>
    public async Task<int> DropAsync(string instanceId, CancellationToken cancellationToken)
    {
        var dropped = 0;
        while (true)
        {
            var batch = await PeekAsync(instanceId, 100, cancellationToken);
            if (batch.Count == 0)
            {
                return dropped;
            }

            foreach (var (rowKey, _, blobName) in batch)
            {
                await CompleteAsync(instanceId, rowKey, blobName, cancellationToken);
                dropped++;
            }
        }
    }
}
