using McpFunctions.Auth.Clients;
using OpenIddict.Abstractions;
using OpenIddict.Core;

namespace McpFunctions.Auth.Stores;

/// <summary>
/// OpenIddict's application manager with one rule added: a loopback redirect URI matches a registered loopback URI on
/// any port (RFC 8252, section 7.3), whatever the client's type, because native MCP clients listen on a port they
/// choose at each start. Every other redirect must match exactly, as OpenIddict checks.
/// </summary>
internal sealed class OAuthClientManager(
    IOpenIddictApplicationCache<OAuthClient> cache,
    ILogger<OpenIddictApplicationManager<OAuthClient>> logger,
    IOptionsMonitor<OpenIddictCoreOptions> options,
    IOpenIddictApplicationStore<OAuthClient> store)
    : OpenIddictApplicationManager<OAuthClient>(cache, logger, options, store)
{
    public override async ValueTask<bool> ValidateRedirectUriAsync(OAuthClient application, string uri, CancellationToken cancellationToken = default)
    {
        if (await base.ValidateRedirectUriAsync(application, uri, cancellationToken))
        {
            return true;
        }

        if (!RedirectUris.IsLoopback(uri, out var requested))
        {
            return false;
        }

        foreach (var candidate in await Store.GetRedirectUrisAsync(application, cancellationToken))
        {
            if (RedirectUris.IsLoopback(candidate, out var registered)
                && requested.Scheme == registered.Scheme
                && string.Equals(requested.Host, registered.Host, StringComparison.OrdinalIgnoreCase)
                && requested.AbsolutePath == registered.AbsolutePath
                && requested.Query == registered.Query
                && requested.UserInfo.Length == 0 && registered.UserInfo.Length == 0)
            {
                return true;
            }
        }

        return false;
    }
}
