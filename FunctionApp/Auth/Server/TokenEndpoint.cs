using System.Security.Claims;
using McpFunctions.Audit;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpFunctions.Auth.Server;

/// <summary>
/// <c>/token</c> after OpenIddict has checked the client, the code with its PKCE verifier (single use), or the
/// refresh token (rotation, reuse detection) and that the grant is still valid: issue the new tokens with the same
/// user, scopes and resource.
/// </summary>
internal static class TokenEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenIddict server did not handle this token request.");
        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            await ServerResponses.RefuseAsync(context, Errors.UnsupportedGrantType, "Only authorization_code and refresh_token are supported.");
            return;
        }

        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal?.GetClaim(Claims.Subject) is not { Length: > 0 })
        {
            await ServerResponses.RefuseAsync(context, Errors.InvalidGrant, "The grant is no longer valid.");
            return;
        }

        var identity = new ClaimsIdentity(result.Principal.Claims, Microsoft.IdentityModel.Tokens.TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetDestinations(AccessTokenDestinations);
        await context.SignInAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));

        // OpenIddict has answered: a refresh that lost a concurrent rotation (RefreshTokenRotation) was refused.
        context.RequestServices.GetRequiredService<AuditTrail>().RecordFor(result.Principal.GetClaim(Claims.Subject)!,
            new AuditEvent(AuditKinds.Token, request.GrantType!, context.Response.StatusCode == StatusCodes.Status200OK ? AuditOutcomes.Ok : AuditOutcomes.Refused)
            {
                ClientId = request.ClientId,
                GrantId = result.Principal.GetAuthorizationId(),
            });
    }

    /// <summary>
    /// What our access tokens say of the user: the subject and name, and the Entra account's home ids when the user
    /// signed in with Entra (for the downstream API's token cache). Codes and refresh tokens keep every claim.
    /// </summary>
    public static IEnumerable<string> AccessTokenDestinations(Claim claim) =>
        claim.Type is Claims.Subject or Claims.Name || Downstream.DownstreamTokens.IsHomeAccountClaim(claim.Type) ? [Destinations.AccessToken] : [];
}
