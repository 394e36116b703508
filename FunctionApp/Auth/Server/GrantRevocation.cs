using McpFunctions.Auth.Stores;
using OpenIddict.Abstractions;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Ends a grant everywhere: listed as revoked first (so its access tokens stop on every instance within
/// <see cref="RevokedGrants.PollInterval"/>), then its codes and refresh tokens, then the grant row itself.
/// </summary>
internal sealed class GrantRevocation(RevokedGrants revoked, OAuthGrantStore grants, IOpenIddictTokenStore<OAuthToken> tokens)
{
    /// <param name="grantId">The grant's id.</param>
    /// <param name="tokensRevokedByOpenIddict">OpenIddict revokes the tokens itself (a replayed code or refresh token).</param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    public async Task RevokeAsync(string grantId, bool tokensRevokedByOpenIddict, CancellationToken cancellationToken)
    {
        await revoked.AddAsync(grantId, cancellationToken);
        if (!tokensRevokedByOpenIddict)
        {
            await tokens.RevokeByAuthorizationIdAsync(grantId, cancellationToken);
        }

        await grants.RevokeByIdAsync(grantId, cancellationToken);
    }
}
