using McpFunctions.Audit;
using McpFunctions.Auth.Stores;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Ends a grant everywhere: listed as revoked first (so its access tokens stop on every instance within
/// <see cref="RevokedGrants.PollInterval"/>), then its codes and refresh tokens, then the grant row itself.
/// </summary>
internal sealed class GrantRevocation(RevokedGrants revoked, OAuthGrantStore grants, IOpenIddictTokenStore<OAuthToken> tokens, AuditTrail audit)
{
    /// <summary>The user disconnected the client on the account page.</summary>
    public const string ByUser = "account";

    /// <summary>The client revoked its refresh token at <c>/revoke</c> (a sign-out).</summary>
    public const string ByClient = "revoke-endpoint";

    /// <summary>A redeemed code or refresh token was presented again.</summary>
    public const string ByReplay = "replay";

    /// <param name="grantId">The grant's id.</param>
    /// <param name="tokensRevokedByOpenIddict">OpenIddict revokes the tokens itself (a replayed code or refresh token).</param>
    /// <param name="reason">Who revoked it, for the audit trail: <see cref="ByUser"/>, <see cref="ByClient"/> or <see cref="ByReplay"/>.</param>
    /// <param name="clientId">The grant's client, when the caller knows it (for the audit trail).</param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    public async Task RevokeAsync(string grantId, bool tokensRevokedByOpenIddict, string reason, string? clientId, CancellationToken cancellationToken)
    {
        await revoked.AddAsync(grantId, cancellationToken);
        if (!tokensRevokedByOpenIddict)
        {
            await tokens.RevokeByAuthorizationIdAsync(grantId, cancellationToken);
        }

        await grants.RevokeByIdAsync(grantId, cancellationToken);

        // A grant's id starts with its partition key, the user's (encoded) id: the event goes to that user's partition.
        if (grantId.IndexOf(':') is > 0 and var colon)
        {
            audit.Record(grantId[..colon], new AuditEvent(AuditKinds.Revocation, reason, AuditOutcomes.Ok) { ClientId = clientId, GrantId = grantId });
        }
    }
}
