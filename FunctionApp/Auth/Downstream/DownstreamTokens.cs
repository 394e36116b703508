using System.Net;
using System.Security.Claims;
using McpFunctions.Auth.Server;
using McpFunctions.Hosting;
using McpFunctions.Storage;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Identity.Web;
using Microsoft.Identity.Web.TokenCacheProviders.Distributed;

namespace McpFunctions.Auth.Downstream;

/// <summary>
/// Entra tokens for the downstream API, acquired by Microsoft.Identity.Web as the user who called a tool. This
/// server's own access tokens are not Entra assertions, so on-behalf-of cannot start from them: when a user signs in
/// here, Microsoft.Identity.Web redeems Entra's code and keeps the user's Entra tokens in the token cache (a table,
/// encrypted with Data Protection), and our tokens carry that Entra account's home ids (<c>uid</c>, <c>utid</c>) to
/// find them again. A caller with a direct Entra token for this app gets on-behalf-of instead. The caller's own
/// token is never sent to the downstream API.
/// </summary>
internal static class DownstreamTokens
{
    /// <summary>Policy on tools that call the downstream API: it is configured, and the caller is an Entra user.</summary>
    public const string CallerPolicy = "DownstreamApiCaller";

    /// <summary>Adds token acquisition to Entra sign-in and to Entra access tokens, with the token cache on a table.</summary>
    public static void Enable(
        MicrosoftIdentityWebAppAuthenticationBuilder signIn,
        MicrosoftIdentityWebApiAuthenticationBuilder? entraTokens,
        DownstreamApiOptions downstream,
        AuthOptions auth,
        IHostEnvironment environment)
    {
        if (downstream.BaseUrl is { } url && url.Scheme != Uri.UriSchemeHttps
            && !(environment.IsDevelopment() && url.Scheme == Uri.UriSchemeHttp && IPAddress.TryParse(url.Host, out var address) && IPAddress.IsLoopback(address)))
        {
            throw new StartupConfigurationException($"{DownstreamApiOptions.SectionName}:BaseUrl must be an https URL: the user's token for it travels with every call.");
        }

        signIn.EnableTokenAcquisitionToCallDownstreamApi(downstream.Scopes).AddDistributedTokenCaches();
        entraTokens?.EnableTokenAcquisitionToCallDownstreamApi(_ => { });
        var services = signIn.Services;
        // Microsoft.Identity.Web logs every failed acquisition as an error with a stack trace, a withdrawn consent
        // included; DownstreamApi logs each failure once instead, at a level that matches its cause.
        services.Configure<LoggerFilterOptions>(logging => logging.AddFilter("Microsoft.Identity.Web.TokenAcquisition", LogLevel.Critical));
        services.AddSingleton<IDistributedCache>(sp => new TableCache(sp.GetRequiredService<StorageTables>(), sp.GetRequiredService<TimeProvider>(), StorageNames.TokenCache));
        services.Configure<MsalDistributedTokenCacheAdapterOptions>(cache =>
        {
            // Refresh tokens rest encrypted; a user's entry lives while their grants here can.
            cache.Encrypt = true;
            cache.SlidingExpiration = auth.RefreshTokenLifetime;
            cache.L1CacheOptions.SizeLimit = 16 * 1024 * 1024;
        });
    }

    /// <summary>The Entra account's home ids from a sign-in principal (Microsoft.Identity.Web adds them), to carry in our tokens.</summary>
    public static IEnumerable<Claim> HomeAccountClaims(ClaimsPrincipal signIn) =>
        signIn.FindFirst(ClaimConstants.UniqueObjectIdentifier) is { } uid && signIn.FindFirst(ClaimConstants.UniqueTenantIdentifier) is { } utid
            ? [new Claim(ClaimConstants.UniqueObjectIdentifier, uid.Value), new Claim(ClaimConstants.UniqueTenantIdentifier, utid.Value)]
            : [];

    /// <summary>Whether our access tokens carry <paramref name="claimType"/> (the home account ids, for the downstream API).</summary>
    public static bool IsHomeAccountClaim(string claimType) => claimType is ClaimConstants.UniqueObjectIdentifier or ClaimConstants.UniqueTenantIdentifier;

    /// <summary>
    /// An Entra user: our token from an Entra sign-in (home account ids), or an Entra token for this app (tenant and
    /// object ids). Local sign-in and the local developer have no Entra account to act as.
    /// </summary>
    public static bool IsEntraUser(ClaimsPrincipal user) =>
        (user.HasClaim(c => c.Type == ClaimConstants.UniqueObjectIdentifier) && user.HasClaim(c => c.Type == ClaimConstants.UniqueTenantIdentifier))
        || (user.HasClaim(c => c.Type == "oid") && user.HasClaim(c => c.Type == "tid"));
}
