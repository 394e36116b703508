using McpFunctions.Auth.Stores;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Keeps exactly one valid refresh token per grant, however many refreshes race. OpenIddict rotates refresh tokens
/// and, within the reuse grace, lets a redeemed one be presented again (a lost response); this adds the rule that the
/// grant row names its one current refresh token, swapped with an ETag check when a new one is issued.
/// </summary>
/// <remarks>
/// <para>A refresh whose swap loses to a concurrent one is refused (<c>invalid_grant</c>) and its new token revoked,
/// so no response carries a token that is not the current one.</para>
/// <para>A refresh within the grace window that wins the swap revokes the token it replaces, which the client never
/// received.</para>
/// <para>A redeemed refresh token (or a code) presented after the grace is a replay: OpenIddict revokes the grant's
/// tokens, and <see cref="RevokeReplayedGrants"/> revokes the grant itself, cutting off its access tokens too.</para>
/// </remarks>
internal sealed class RefreshTokenRotation(OAuthGrantStore grants, IOpenIddictTokenManager tokens, OAuthClientUse clientUse, TimeProvider time, ILogger<RefreshTokenRotation> logger)
    : IOpenIddictServerHandler<OpenIddictServerEvents.ProcessSignInContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.ProcessSignInContext>()
            .UseScopedHandler<RefreshTokenRotation>()
            .SetOrder(OpenIddictServerHandlers.GenerateRefreshToken.Descriptor.Order + 1)
            .Build();

    public async ValueTask HandleAsync(OpenIddictServerEvents.ProcessSignInContext context)
    {
        var issued = context.RefreshTokenPrincipal?.GetTokenId();
        var grantId = context.Principal?.GetAuthorizationId();
        if (issued is null || grantId is null || context.EndpointType != OpenIddictServerEndpointType.Token)
        {
            return;
        }

        var grant = await grants.FindByIdAsync(grantId, context.CancellationToken);
        if (grant is null)
        {
            await RefuseAsync(context, issued, "The grant no longer exists.");
            return;
        }

        var presented = context.Request.IsRefreshTokenGrantType() ? context.Principal!.GetTokenId() : null;
        var superseded = grant.CurrentRefreshTokenId;
        grant.CurrentRefreshTokenId = issued;
        grant.LastUsedAt = time.GetUtcNow();
        try
        {
            await grants.UpdateAsync(grant, context.CancellationToken);
        }
        catch (OpenIddictExceptions.ConcurrencyException)
        {
            logger.LogInformation("A refresh of grant {GrantId} lost a concurrent rotation and was refused", grantId);
            await RefuseAsync(context, issued, "This refresh token was used by another request at the same time; use the refresh token that request received.");
            return;
        }

        if (grant.ClientId is { } clientId)
        {
            await clientUse.TouchAsync(clientId, context.CancellationToken);
        }

        if (superseded is not null && superseded != presented && superseded != issued
            && await tokens.FindByIdAsync(superseded, context.CancellationToken) is { } sibling)
        {
            await tokens.TryRevokeAsync(sibling, context.CancellationToken);
        }
    }

    private async ValueTask RefuseAsync(OpenIddictServerEvents.ProcessSignInContext context, string issued, string description)
    {
        if (await tokens.FindByIdAsync(issued, context.CancellationToken) is { } token)
        {
            await tokens.TryRevokeAsync(token, context.CancellationToken);
        }

        context.Reject(Errors.InvalidGrant, description);
    }
}

/// <summary>
/// A code or refresh token presented again after it was redeemed (beyond the refresh grace) revokes its whole grant:
/// OpenIddict revokes the grant's tokens, and <see cref="GrantRevocation"/> the grant and its access tokens.
/// </summary>
internal sealed class RevokeReplayedGrants(IOpenIddictTokenManager tokens, GrantRevocation revocation, IOptionsMonitor<OpenIddictServerOptions> options, TimeProvider time, ILogger<RevokeReplayedGrants> logger)
    : IOpenIddictServerHandler<OpenIddictServerEvents.ValidateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.ValidateTokenContext>()
            .UseScopedHandler<RevokeReplayedGrants>()
            .SetOrder(OpenIddictServerHandlers.Protection.ValidateTokenEntry.Descriptor.Order - 1)
            .Build();

    public async ValueTask HandleAsync(OpenIddictServerEvents.ValidateTokenContext context)
    {
        if (context.TokenId is null || context.AuthorizationId is null
            || await tokens.FindByIdAsync(context.TokenId, context.CancellationToken) is not { } token
            || !await tokens.HasStatusAsync(token, Statuses.Redeemed, context.CancellationToken))
        {
            return;
        }

        var isRefresh = context.Principal?.HasTokenType(TokenTypeIdentifiers.RefreshToken) == true;
        var grace = options.CurrentValue.RefreshTokenReuseLeeway;
        var redeemedAt = await tokens.GetRedemptionDateAsync(token, context.CancellationToken);
        if (isRefresh && grace is { } leeway && redeemedAt is { } at && time.GetUtcNow() < at + leeway)
        {
            return;
        }

        logger.LogWarning("A redeemed token of grant {GrantId} was presented again; the grant is revoked", context.AuthorizationId);
        await revocation.RevokeAsync(context.AuthorizationId, tokensRevokedByOpenIddict: true, GrantRevocation.ByReplay, context.Request?.ClientId, context.CancellationToken);
    }
}

/// <summary>
/// A client that revokes its refresh token at <c>/revoke</c> is signing out: the whole grant ends, its other tokens
/// and its access tokens with it (RFC 7009 lets a server do so, and a lone access token should not outlive a logout).
/// </summary>
internal sealed class RevokeGrantOnSignOut(GrantRevocation revocation)
    : IOpenIddictServerHandler<OpenIddictServerEvents.HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<OpenIddictServerEvents.HandleRevocationRequestContext>()
            .UseScopedHandler<RevokeGrantOnSignOut>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order + 1)
            .Build();

    public async ValueTask HandleAsync(OpenIddictServerEvents.HandleRevocationRequestContext context)
    {
        if (context.IsRejected || context.GenericTokenPrincipal?.HasTokenType(TokenTypeIdentifiers.RefreshToken) != true
            || context.GenericTokenPrincipal.GetAuthorizationId() is not { } grantId)
        {
            return;
        }

        await revocation.RevokeAsync(grantId, tokensRevokedByOpenIddict: false, GrantRevocation.ByClient, context.Request?.ClientId, context.CancellationToken);
    }
}
