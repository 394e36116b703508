using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Auth.Stores;

/// <summary>
/// Slides a registered client's expiry when it gets tokens, at most once every <see cref="SlideEvery"/>, so a
/// registration in use lives on and one abandoned is removed by <see cref="OAuthSweeper"/>.
/// </summary>
internal sealed class OAuthClientUse(StorageTables tables, TimeProvider time)
{
    public static readonly TimeSpan SlideEvery = TimeSpan.FromDays(10);

    public async Task TouchAsync(string clientId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.OAuthClients, cancellationToken);
        var client = await OAuthRows.FindAsync<OAuthClient>(table, StorageKey.Encode(clientId), "", cancellationToken);
        var now = time.GetUtcNow();
        if (client is not { Source: OAuthClient.RegisteredSource } || client.ExpiresAt > now + OAuthClientStore.RegistrationLifetime - SlideEvery)
        {
            return;
        }

        try
        {
            await table.UpdateEntityAsync(new TableEntity(client.PartitionKey, client.RowKey) { ["ExpiresAt"] = now + OAuthClientStore.RegistrationLifetime },
                client.ETag, TableUpdateMode.Merge, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            // Removed or touched by another request meanwhile: either way nothing to add.
        }
    }
}
