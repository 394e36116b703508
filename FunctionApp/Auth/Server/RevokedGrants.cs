using Azure;
using Azure.Data.Tables;
using McpFunctions.Storage;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Grants revoked within the last access-token lifetime, so their still-unexpired access tokens stop working within
/// <see cref="PollInterval"/> on every instance, while checking a token reads no storage: each instance reads this
/// short list from the <see cref="StorageNames.OAuthRevocations"/> table at most once per interval, in the background.
/// </summary>
internal sealed class RevokedGrants(StorageTables tables, IOptionsMonitor<AuthOptions> options, TimeProvider time, ILogger<RevokedGrants> logger)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(30);
    private const string Partition = "revoked";

    private volatile HashSet<string>? _revoked;

    /// <summary>Revocations made on this instance, kept beside the polled list so a poll already in flight cannot drop them.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DateTimeOffset> _local = new(StringComparer.Ordinal);
    private Task? _firstPoll;
    private long _nextPollTicks;
    private int _polling;

    /// <summary>
    /// Whether an access token of this grant must be refused. The first call on an instance waits for the list; later
    /// calls use the list in memory and start a background refresh when it is due.
    /// </summary>
    public async ValueTask<bool> IsRevokedAsync(string? grantId)
    {
        if (_revoked is null)
        {
            await LazyInitializer.EnsureInitialized(ref _firstPoll, PollAsync);
        }
        else if (time.GetUtcNow().UtcTicks >= Interlocked.Read(ref _nextPollTicks) && Interlocked.Exchange(ref _polling, 1) == 0)
        {
            _ = PollAsync();
        }

        return grantId is not null && _revoked?.Contains(grantId) == true;
    }

    /// <summary>Records a revocation for every instance, and applies it on this one at once.</summary>
    public async Task AddAsync(string grantId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.OAuthRevocations, cancellationToken);
        await table.UpsertEntityAsync(new TableEntity(Partition, StorageKey.Encode(grantId)) { ["GrantId"] = grantId, ["RevokedAt"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
        _local[grantId] = time.GetUtcNow();
        _revoked = new HashSet<string>(_revoked ?? [], StringComparer.Ordinal) { grantId };
    }

    private async Task PollAsync()
    {
        try
        {
            var since = time.GetUtcNow() - options.CurrentValue.AccessTokenLifetime - TimeSpan.FromMinutes(5);
            var table = await tables.GetAsync(StorageNames.OAuthRevocations, CancellationToken.None);
            var revoked = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var row in table.QueryAsync<TableEntity>(e => e.PartitionKey == Partition))
            {
                if (row.GetDateTimeOffset("RevokedAt") >= since && row.GetString("GrantId") is { } id)
                {
                    revoked.Add(id);
                }
                else
                {
                    // Older than any access token it could cut off: no longer needed (another instance may delete it first).
                    try
                    {
                        await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag);
                    }
                    catch (RequestFailedException e) when (e.Status is 404 or 412)
                    {
                    }
                }
            }

            foreach (var (grantId, at) in _local)
            {
                if (at >= since)
                {
                    revoked.Add(grantId);
                }
                else
                {
                    _local.TryRemove(grantId, out _);
                }
            }

            _revoked = revoked;
            Interlocked.Exchange(ref _nextPollTicks, (time.GetUtcNow() + PollInterval).UtcTicks);
        }
        catch (RequestFailedException e)
        {
            logger.LogWarning(e, "Reading revoked grants failed; the last list stays in use and the next check retries");
            _revoked ??= new HashSet<string>(StringComparer.Ordinal);
            _firstPoll = null;
            Interlocked.Exchange(ref _nextPollTicks, (time.GetUtcNow() + TimeSpan.FromSeconds(5)).UtcTicks);
        }
        finally
        {
            Volatile.Write(ref _polling, 0);
        }
    }
}
