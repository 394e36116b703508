using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The authentication schemes, except that OpenIddict's server handler is not asked about every request: its
/// endpoints are routed to it by <see cref="AuthorizationServer.UseAuthorizationServer"/>. Other request handlers stay
/// (Entra's OpenID Connect callback).
/// </summary>
internal sealed class OAuthPathSchemes(IOptions<AuthenticationOptions> options) : AuthenticationSchemeProvider(options)
{
    private (IEnumerable<AuthenticationScheme> All, AuthenticationScheme[] Kept)? _cache;

    public override async Task<IEnumerable<AuthenticationScheme>> GetRequestHandlerSchemesAsync()
    {
        // Called on every request; the base list only changes when a scheme is added, so the filtered copy is kept.
        var all = await base.GetRequestHandlerSchemesAsync();
        var cache = _cache;
        if (cache is null || !ReferenceEquals(cache.Value.All, all))
        {
            cache = (all, all.Where(s => s.Name != OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ToArray());
            _cache = cache;
        }

        return cache.Value.Kept;
    }
}
