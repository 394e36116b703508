using System.Security.Claims;
using McpFunctions.Storage;

namespace McpFunctions.Auth;

/// <summary>The signed-in user on whose behalf a tool runs; every stored row is partitioned by <see cref="PartitionKey"/>.</summary>
internal sealed record Caller(string Id, string? Name, string AuthenticationMethod, IReadOnlyList<string> Scopes)
{
    /// <summary>Table partition key and blob name prefix for this caller's data (encoded on use; ids are short).</summary>
    public string PartitionKey => StorageKey.Encode(Id);

    /// <summary>Builds the caller from the authenticated principal, or throws if there is none.</summary>
    public static Caller From(ClaimsPrincipal? user)
    {
        var identity = AuthenticatedIdentity(user);
        var id = IdOf(identity);

        // Entra writes scp; this server's tokens write scope (oi_scp is OpenIddict's own name for it in its principals).
        var scopes = identity.FindAll("scp").Concat(identity.FindAll("scope")).Concat(identity.FindAll("oi_scp"))
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Concat(identity.FindAll("roles").Select(c => c.Value))
            .Distinct(StringComparer.Ordinal)
            .ToArray();

        var name = identity.FindFirst("name")?.Value ?? identity.FindFirst(ClaimTypes.Name)?.Value
            ?? identity.FindFirst("preferred_username")?.Value;
        return new Caller(id, name, identity.AuthenticationType ?? "unknown", scopes);
    }

    /// <summary>Only the caller's id (<see cref="From"/> also collects scopes and name): for checks on every request.</summary>
    public static string IdOf(ClaimsPrincipal? user) => IdOf(AuthenticatedIdentity(user));

    /// <summary>The caller's id, or null when the request has no authenticated user with an id (no exception: for limits that skip such requests).</summary>
    public static string? TryIdOf(ClaimsPrincipal? user)
    {
        foreach (var identity in user?.Identities ?? [])
        {
            if (identity.IsAuthenticated)
            {
                return StableId(identity);
            }
        }

        return null;
    }

    private static ClaimsIdentity AuthenticatedIdentity(ClaimsPrincipal? user)
    {
        if (user is not null)
        {
            foreach (var identity in user.Identities)
            {
                if (identity.IsAuthenticated)
                {
                    return identity;
                }
            }
        }

        throw new McpException("Sign-in is required: this request carries no authenticated user.");
    }

    private static string IdOf(ClaimsIdentity identity) => StableId(identity)
        ?? throw new McpException("The signed-in identity has no subject or object id claim, so its data cannot be located.");

    /// <summary>
    /// Entra's <c>oid</c> is stable across apps; qualified by tenant so guests in two tenants stay apart.
    /// Other issuers fall back to <c>sub</c>.
    /// </summary>
    /// <remarks>
    /// One pass over the claims (the first of each type wins, as with <c>FindFirst</c>): this runs several times on
    /// every request (rate limit, session gate, audit), and each <c>FindFirst</c> would walk the claims again.
    /// </remarks>
    private static string? StableId(ClaimsIdentity identity)
    {
        string? oid = null, oidUri = null, tid = null, tidUri = null, sub = null, nameId = null;
        foreach (var claim in identity.Claims)
        {
            switch (claim.Type)
            {
                case "oid": oid ??= claim.Value; break;
                case "http://schemas.microsoft.com/identity/claims/objectidentifier": oidUri ??= claim.Value; break;
                case "tid": tid ??= claim.Value; break;
                case "http://schemas.microsoft.com/identity/claims/tenantid": tidUri ??= claim.Value; break;
                case "sub": sub ??= claim.Value; break;
                case ClaimTypes.NameIdentifier: nameId ??= claim.Value; break;
            }
        }

        oid ??= oidUri;
        tid ??= tidUri;
        if (!string.IsNullOrEmpty(oid))
        {
            return string.IsNullOrEmpty(tid) ? oid : $"{tid}.{oid}";
        }

        sub ??= nameId;
        return string.IsNullOrEmpty(sub) ? null : sub;
    }
}
