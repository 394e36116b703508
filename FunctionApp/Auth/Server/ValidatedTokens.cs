using System.Collections.Concurrent;
using System.Security.Claims;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Access tokens this instance has fully validated (keyed by the <c>Authorization</c> header that carried them), with
/// the identity they gave, until they expire: at most
/// <see cref="Capacity"/> of them. Only <see cref="OwnTokens"/> adds entries, after every check has passed.
/// </summary>
/// <remarks>
/// The identity is shared by the requests that present the same token; nothing in the app changes a caller's claims
/// after authentication (there is no claims transformation), so sharing it is read-only.
/// </remarks>
internal sealed class ValidatedTokens(TimeProvider time)
{
    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>What a validated token gave: its identity, the resource it was checked for, its grant and expiry (UTC).</summary>
    internal sealed record Entry(ClaimsIdentity Identity, string Resource, string? GrantId, DateTime ExpiresUtc);

    public bool TryGet(string token, string resource, out Entry entry)
    {
        if (_entries.TryGetValue(token, out entry!) && entry.Resource == resource)
        {
            if (entry.ExpiresUtc > time.GetUtcNow().UtcDateTime)
            {
                return true;
            }

            _entries.TryRemove(token, out _);
        }

        return false;
    }

    public void Add(string token, Entry entry)
    {
        if (_entries.Count >= Capacity)
        {
            var now = time.GetUtcNow().UtcDateTime;
            foreach (var (key, value) in _entries)
            {
                if (value.ExpiresUtc <= now)
                {
                    _entries.TryRemove(key, out _);
                }
            }

            if (_entries.Count >= Capacity)
            {
                _entries.Clear();
            }
        }

        _entries[token] = entry;
    }
}
