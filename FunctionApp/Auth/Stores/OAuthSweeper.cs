using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Stores;

/// <summary>
/// Removes what the authorization server no longer needs, every <see cref="Interval"/> on each instance (deletes are
/// idempotent): codes and refresh tokens a day past their expiry with their reference rows, registrations past their
/// sliding expiry, metadata documents a day past their cache lifetime, revoked grants after a day, grants unused
/// for longer than a refresh token can live, and expired entries of the downstream API's token cache.
/// </summary>
/// <remarks>These are scans of small, append-mostly tables, run rarely; OpenIddict's own pruning needs a query store.</remarks>
internal sealed class OAuthSweeper(StorageTables tables, TimeProvider time, IOptionsMonitor<AuthOptions> options, IOptions<Downstream.DownstreamApiOptions> downstream, ILogger<OAuthSweeper> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private static readonly TimeSpan Margin = TimeSpan.FromDays(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(Random.Shared.Next(30, 300)), time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await SweepOnceAsync(stoppingToken);
                await Task.Delay(Interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One pass; returns how many rows it removed.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var now = time.GetUtcNow();
            var removed = 0;
            removed += await DeleteWhereAsync(StorageNames.OAuthTokens, row => row.GetDateTimeOffset("ExpiresAt") < now - Margin, cancellationToken);
            removed += await DeleteWhereAsync(StorageNames.OAuthTokenReferences, row => row.GetDateTimeOffset("ExpiresAt") < now - Margin, cancellationToken);
            removed += await DeleteWhereAsync(StorageNames.OAuthClients, row =>
                row.GetString("Source") == OAuthClient.RegisteredSource ? row.GetDateTimeOffset("ExpiresAt") < now
                : row.GetDateTimeOffset("ExpiresAt") < now - Margin, cancellationToken);
            var unused = now - options.CurrentValue.RefreshTokenLifetime - Margin;
            removed += await DeleteWhereAsync(StorageNames.OAuthGrants, row =>
                (row.GetString("Status") == OpenIddictConstants.Statuses.Revoked && row.Timestamp < now - Margin)
                || (row.GetDateTimeOffset("LastUsedAt") ?? row.GetDateTimeOffset("CreatedAt")) < unused, cancellationToken);
            if (downstream.Value.IsConfigured)
            {
                removed += await DeleteWhereAsync(StorageNames.TokenCache, row => row.GetDateTimeOffset(TableCache.ExpiresAtProperty) < now, cancellationToken);
            }
            if (removed > 0)
            {
                logger.LogInformation("Removed {Rows} expired OAuth rows", removed);
            }

            return removed;
        }
        catch (RequestFailedException e)
        {
            logger.LogWarning("The OAuth sweep failed ({Status}); the next one retries", e.Status);
            return 0;
        }
    }

    private async Task<int> DeleteWhereAsync(string logicalName, Func<TableEntity, bool> expired, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(logicalName, cancellationToken);
        var removed = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            if (!expired(row))
            {
                continue;
            }

            try
            {
                await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken);
                removed++;
            }
            catch (RequestFailedException e) when (e.Status is 404 or 412)
            {
                // Gone already, or used again since it was read: keep it.
            }
        }

        return removed;
    }
}
