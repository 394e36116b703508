using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using McpFunctions.Hosting;
using McpFunctions.Storage;

namespace McpFunctions.Sessions.State;

/// <summary>
/// Session rows in Table Storage with a short-lived in-process cache. Updates are read-modify-write under the
/// row's ETag, retried on conflict, so concurrent updates from any number of instances apply one at a time and
/// none is lost (the Durable-Entity behaviour, without Durable Functions).
/// </summary>
internal sealed class SessionStore(StorageTables tables, TimeProvider time, IOptionsMonitor<SessionLifetimeOptions> options, ILogger<SessionStore> logger)
{
    private const int MaxUpdateAttempts = 100;

    private readonly ConcurrentDictionary<string, Cached> _cache = new(StringComparer.Ordinal);

    /// <summary>At most one warning every 10 s while sessions are routed from cached copies.</summary>
    private readonly WarningThrottle _staleWarning = new(TimeSpan.FromSeconds(10), time);

    private sealed record Cached(SessionEntity Entity, long FetchedAt);

    public async Task CreateAsync(SessionEntity entity, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        var response = await table.AddEntityAsync(entity, cancellationToken);
        entity.ETag = response.Headers.ETag ?? entity.ETag;
        Remember(entity);
    }

    /// <summary>The session if it exists and has not expired; served from cache for <see cref="SessionLifetimeOptions.SessionCacheTtl"/>.</summary>
    public async Task<SessionEntity?> GetAsync(string sessionId, CancellationToken cancellationToken, bool fresh = false)
    {
        if (!CanBeKey(sessionId))
        {
            // No session was ever stored under it: the same answer as for an unknown id, without asking storage.
            return null;
        }

        if (!fresh && _cache.TryGetValue(sessionId, out var cached)
            && time.GetElapsedTime(cached.FetchedAt) < options.CurrentValue.SessionCacheTtl)
        {
            return IsLive(cached.Entity) ? cached.Entity : null;
        }

        NullableResponse<SessionEntity> response;
        try
        {
            var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
            response = await table.GetEntityIfExistsAsync<SessionEntity>(sessionId, SessionEntity.Row, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (!fresh && StorageFaults.IsUnavailable(e)
            && _cache.TryGetValue(sessionId, out var stale)
            && time.GetElapsedTime(stale.FetchedAt) < options.CurrentValue.SessionStaleOnStorageFault)
        {
            // Storage is slow or down for a moment: a request that only needs to know the session (to route it) is
            // served from the copy this instance read last, rather than refused with 503. Writes still need storage.
            if (_staleWarning.Due())
            {
                logger.LogWarning("Storage unavailable; sessions are routed from cached copies (up to {Grace}): {Fault}", options.CurrentValue.SessionStaleOnStorageFault, StorageFaults.Describe(e));
            }

            return IsLive(stale.Entity) ? stale.Entity : null;
        }

        if (!response.HasValue)
        {
            _cache.TryRemove(sessionId, out _);
            return null;
        }

        var entity = response.Value!;
        Remember(entity);
        return IsLive(entity) ? entity : null;
    }

    /// <summary>
    /// Applies <paramref name="mutate"/> to the current row and writes it if the row is unchanged since it was
    /// read; otherwise reads again and re-applies. Returns the written row, or null if the session is gone.
    /// <paramref name="mutate"/> returns false to skip the write.
    /// </summary>
    public async Task<SessionEntity?> UpdateAsync(string sessionId, Func<SessionEntity, bool> mutate, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(sessionId, cancellationToken, fresh: attempt > 1 || !_cache.ContainsKey(sessionId));
            if (current is null)
            {
                return null;
            }

            var next = current.Clone();
            if (!mutate(next))
            {
                return current;
            }

            try
            {
                var response = await table.UpdateEntityAsync(next, current.ETag, TableUpdateMode.Replace, cancellationToken);
                next.ETag = response.Headers.ETag ?? next.ETag;
                Remember(next);
                return next;
            }
            catch (RequestFailedException e) when (e.Status == 412 && attempt < MaxUpdateAttempts)
            {
                // Someone else wrote the row since we read it: back off a little (jittered) and re-apply.
                await Task.Delay(Random.Shared.Next(1, Math.Min(5 * attempt, 50)), cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                _cache.TryRemove(sessionId, out _);
                return null;
            }
        }
    }

    /// <summary>Moves last-seen and expiry forward, at most once per <see cref="SessionLifetimeOptions.SessionTouchInterval"/>.</summary>
    public async Task TouchAsync(SessionEntity session, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var settings = options.CurrentValue;
        if (now - session.LastSeenAt < settings.SessionTouchInterval)
        {
            return;
        }

        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        var touch = new TableEntity(session.PartitionKey, SessionEntity.Row)
        {
            [nameof(SessionEntity.LastSeenAt)] = now,
            [nameof(SessionEntity.ExpiresAt)] = now + settings.SessionIdleTimeout,
        };
        try
        {
            var response = await table.UpdateEntityAsync(touch, session.ETag, TableUpdateMode.Merge, cancellationToken);
            var next = session.Clone();
            next.LastSeenAt = now;
            next.ExpiresAt = now + settings.SessionIdleTimeout;
            next.ETag = response.Headers.ETag ?? next.ETag;
            Remember(next);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            // Removed meanwhile: drop the cached copy; the next request finds the session gone.
            _cache.TryRemove(session.PartitionKey, out _);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // Changed meanwhile, most often by a concurrent touch of the same session: the cached copy stays (it is
            // re-read after Mcp:SessionCacheTtl anyway). Dropping it left a session with no copy to route from if
            // storage stalled right then (two 503s in a 30-minute soak).
        }
    }

    public async Task<bool> DeleteAsync(string sessionId, CancellationToken cancellationToken)
    {
        _cache.TryRemove(sessionId, out _);
        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        var response = await table.DeleteEntityAsync(sessionId, SessionEntity.Row, ETag.All, cancellationToken);
        logger.LogInformation("Session {SessionId} deleted", sessionId);
        return response.Status != 404;
    }

    /// <summary>
    /// Drops cached rows too old to serve either purpose (past the cache lifetime and the storage-fault grace), so
    /// sessions that went idle cost no memory here; returns how many.
    /// </summary>
    public int ForgetIdle()
    {
        var settings = options.CurrentValue;
        var useful = settings.SessionCacheTtl > settings.SessionStaleOnStorageFault ? settings.SessionCacheTtl : settings.SessionStaleOnStorageFault;
        var dropped = 0;
        foreach (var entry in _cache)
        {
            if (time.GetElapsedTime(entry.Value.FetchedAt) > useful && _cache.TryRemove(entry))
            {
                dropped++;
            }
        }

        return dropped;
    }

    /// <summary>Forgets the cached copy (another instance said the session changed or ended).</summary>
    public void Evict(string sessionId) => _cache.TryRemove(sessionId, out _);

    /// <summary>Rows whose expiry has passed, oldest first (for the sweeper).</summary>
    public async IAsyncEnumerable<string> ExpiredAsync(int max, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        var now = time.GetUtcNow();
        var count = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"ExpiresAt lt {now}"), select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            yield return row.PartitionKey;
            if (++count >= max)
            {
                yield break;
            }
        }
    }

    /// <summary>The row as stored, expired or not, bypassing the cache.</summary>
    public async Task<SessionEntity?> ReadRawAsync(string sessionId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(StorageNames.Sessions, cancellationToken);
        var response = await table.GetEntityIfExistsAsync<SessionEntity>(sessionId, SessionEntity.Row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    public bool IsLive(SessionEntity entity) => entity.ExpiresAt > time.GetUtcNow();

    private void Remember(SessionEntity entity) => _cache[entity.PartitionKey] = new Cached(entity, time.GetTimestamp());

    /// <summary>
    /// Whether a client-sent session id could name a row: at most 256 characters, none of which Table Storage refuses
    /// in a key ('/', '\\', '#', '?', control characters). The ids this server issues are short base64url strings.
    /// </summary>
    public static bool CanBeKey(string sessionId) =>
        sessionId.Length is > 0 and <= 256 && !sessionId.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
}
