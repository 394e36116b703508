using System.Security.Claims;

namespace McpFunctions.Auth;

/// <summary>
/// Stores the claims of a session's owner (no tokens), so an instance that replays a relayed request can act
/// as that user: the SDK binds a session to its creator's subject claim and checks it on every request.
/// </summary>
internal static class PrincipalClaims
{
    private sealed record StoredClaim(string T, string V, string I);

    private sealed record StoredIdentity(string Scheme, string NameType, string RoleType, StoredClaim[] Claims);

    public static string Serialize(ClaimsPrincipal user)
    {
        var identity = user.Identities.First(i => i.IsAuthenticated);
        var stored = new StoredIdentity(
            identity.AuthenticationType ?? "unknown",
            identity.NameClaimType,
            identity.RoleClaimType,
            identity.Claims.Select(c => new StoredClaim(c.Type, c.Value, c.Issuer)).ToArray());
        return JsonSerializer.Serialize(stored, JsonSerializerOptions.Web);
    }

    public static ClaimsPrincipal Deserialize(string json)
    {
        var stored = JsonSerializer.Deserialize<StoredIdentity>(json, JsonSerializerOptions.Web)
            ?? throw new InvalidOperationException("The stored session owner is empty.");
        var claims = stored.Claims.Select(c => new Claim(c.T, c.V, ClaimValueTypes.String, c.I));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, stored.Scheme, stored.NameType, stored.RoleType));
    }
}
