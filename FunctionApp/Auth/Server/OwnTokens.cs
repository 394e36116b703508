using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace McpFunctions.Auth.Server;

/// <summary>
/// Validates the access tokens this server issues, on every MCP request: ASP.NET Core's JwtBearer handler with the
/// signing keys from <see cref="SigningKeyRing"/> (in memory), so a request reads no storage. Checked: the RS256
/// signature, <c>typ</c> <c>at+jwt</c>, lifetime, the issuer and audience as this request reached the server (the
/// resource URL, RFC 8707), and that the grant was not revoked (<see cref="RevokedGrants"/>).
/// </summary>
/// <remarks>
/// OpenIddict issues the tokens; its validation handler could check them too, but measured per call it cost about
/// as much as the rest of a stateless tools/call (docs/benchmarks.md), while this handler checks the same things.
/// </remarks>
internal static class OwnTokens
{
    public const string SchemeName = "McpFunctions.OwnTokens";

    /// <summary>The claim OpenIddict writes with the grant (authorization) id.</summary>
    private const string GrantClaim = "oi_au_id";

    public static void AddOwnTokens(this AuthenticationBuilder authentication, Func<HttpContext, string?> forwardSelector)
    {
        authentication.AddJwtBearer(SchemeName, jwt =>
        {
            jwt.ForwardDefaultSelector = forwardSelector;
            jwt.ForwardChallenge = BearerChallenge.SchemeName;
            jwt.MapInboundClaims = false;
            jwt.RequireHttpsMetadata = false;
            jwt.TokenHandlers.Clear();
            jwt.TokenHandlers.Add(new JsonWebTokenHandler { MapInboundClaims = false });
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidTypes = ["at+jwt"],
                ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                ValidateLifetime = true,
                ClockSkew = TimeSpan.FromSeconds(30),
                // Issuer and audience are this request's origin and MCP URL, which only the request knows: checked below.
                ValidateIssuer = false,
                ValidateAudience = false,
                NameClaimType = "name",
                RoleClaimType = "roles",
            };
            jwt.Events = new JwtBearerEvents
            {
                OnMessageReceived = FromCacheAsync,
                OnTokenValidated = ValidatedAsync,
            };
        });

        authentication.Services.AddOptions<JwtBearerOptions>(SchemeName).Configure<SigningKeyRing>((jwt, ring) =>
            jwt.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => ring.Current.Signing);
    }

    /// <summary>
    /// A token already validated on this instance for this resource skips the signature check and parsing (clients send
    /// the same token for its whole life); its expiry and its grant's revocation are still checked on every request.
    /// </summary>
    private static async Task FromCacheAsync(MessageReceivedContext context)
    {
        // Keyed by the header as sent, so a hit costs no copy of the token.
        if (!context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>()
                .TryGet(context.Request.Headers.Authorization.ToString(), ProtectedResource.ResourceUrl(context.Request), out var entry))
        {
            return;
        }

        if (await context.HttpContext.RequestServices.GetRequiredService<RevokedGrants>().IsRevokedAsync(entry.GrantId))
        {
            context.Fail("The grant behind this token was revoked.");
            return;
        }

        context.Principal = new System.Security.Claims.ClaimsPrincipal(entry.Identity);
        context.Success();
    }

    private static async Task ValidatedAsync(TokenValidatedContext context)
    {
        var request = context.Request;
        var token = context.SecurityToken as JsonWebToken;
        var issuer = ProtectedResource.Issuer(request);
        var resource = ProtectedResource.ResourceUrl(request);
        if (token is null || token.Issuer != issuer)
        {
            context.Fail("The token was issued by another server.");
            return;
        }

        if (!token.Audiences.Contains(resource, StringComparer.Ordinal))
        {
            context.Fail("The token is meant for another resource.");
            return;
        }

        var grantId = context.Principal?.FindFirst(GrantClaim)?.Value;
        var revoked = context.HttpContext.RequestServices.GetRequiredService<RevokedGrants>();
        if (await revoked.IsRevokedAsync(grantId))
        {
            context.Fail("The grant behind this token was revoked.");
            return;
        }

        if (context.Principal?.Identity is System.Security.Claims.ClaimsIdentity identity)
        {
            context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>()
                .Add(request.Headers.Authorization.ToString(), new ValidatedTokens.Entry(identity, resource, grantId, token.ValidTo));
        }
    }
}
