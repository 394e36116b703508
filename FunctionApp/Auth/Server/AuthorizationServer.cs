using McpFunctions.Auth.Clients;
using McpFunctions.Auth.Stores;
using McpFunctions.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The OAuth 2.1 authorization server MCP clients see: OpenIddict's server (authorize, token, revoke, metadata,
/// JWKS) on Table Storage stores. The access tokens it issues are checked by <see cref="OwnTokens"/>.
/// </summary>
internal static class AuthorizationServer
{
    public const string AuthorizePath = "/authorize";
    public const string TokenPath = "/token";
    public const string RevokePath = "/revoke";
    public const string RegisterPath = "/register";
    public const string MetadataPath = "/.well-known/oauth-authorization-server";
    public const string OpenIdMetadataPath = "/.well-known/openid-configuration";
    public const string JwksPath = "/.well-known/jwks.json";

    /// <summary>The validation scheme for this server's own access tokens.</summary>
    public const string TokenScheme = OwnTokens.SchemeName;

    /// <summary>Scopes a client may ask for besides <see cref="McpScopes.All"/>; only <c>offline_access</c> means anything here.</summary>
    public static readonly string[] StandardScopes = [Scopes.OfflineAccess, Scopes.OpenId, Scopes.Profile, Scopes.Email];

    public static void AddAuthorizationServer(this IServiceCollection services, AuthOptions options, bool requireHttps)
    {
        services.AddSingleton<SigningKeyRing>();
        services.AddSingleton<RevokedGrants>();
        services.AddSingleton<ValidatedTokens>();
        services.AddSingleton<GrantRevocation>();
        services.AddSingleton<OAuthGrantStore>();
        services.AddSingleton<ClientMetadataDocuments>();
        services.AddSingleton<OAuthClientUse>();
        services.AddSingleton<OAuthSweeper>();
        services.AddDeferredBackgroundWork<OAuthSweeper>();
        services.AddOptions<ClientMetadataDocumentOptions>().BindConfiguration(ClientMetadataDocumentOptions.SectionName);
        services.AddHttpClient(ClientMetadataDocuments.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => ClientMetadataDocuments.CreateHandler(sp.GetRequiredService<IOptionsMonitor<ClientMetadataDocumentOptions>>()))
            .ConfigureHttpClient(client => client.Timeout = ClientMetadataDocuments.Timeout)
            .RemoveAllLoggers();
        services.AddSingleton<IOptionsChangeTokenSource<OpenIddictServerOptions>>(sp => sp.GetRequiredService<SigningKeyRing>());
        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.SetDefaultApplicationEntity<OAuthClient>()
                    .ReplaceApplicationStore<OAuthClient, OAuthClientStore>(ServiceLifetime.Singleton)
                    .ReplaceApplicationManager<OAuthClient, OAuthClientManager>();
                core.SetDefaultAuthorizationEntity<OAuthGrant>().ReplaceAuthorizationStore<OAuthGrant, OAuthGrantStore>(ServiceLifetime.Singleton);
                core.SetDefaultTokenEntity<OAuthToken>().ReplaceTokenStore<OAuthToken, OAuthTokenStore>(ServiceLifetime.Singleton);
            })
            .AddServer(server =>
            {
                server.SetAuthorizationEndpointUris(AuthorizePath[1..])
                    .SetTokenEndpointUris(TokenPath[1..])
                    .SetRevocationEndpointUris(RevokePath[1..])
                    .SetConfigurationEndpointUris(MetadataPath[1..], OpenIdMetadataPath[1..])
                    .SetJsonWebKeySetEndpointUris(JwksPath[1..]);
                server.AllowAuthorizationCodeFlow().AllowRefreshTokenFlow().RequireProofKeyForCodeExchange();
                server.RegisterScopes([.. McpScopes.All, Scopes.OfflineAccess]);
                // Scopes are checked against the list above by ServerRules (OpenIddict's own check would need a scope store).
                server.DisableScopeValidation();
                // The resource is this server's own URL as the client reached it, so it is checked per request (ServerRules).
                server.DisableResourceValidation();
                server.IgnoreEndpointPermissions().IgnoreGrantTypePermissions().IgnoreResponseTypePermissions()
                    .IgnoreScopePermissions().IgnoreResourcePermissions().IgnoreAudiencePermissions();
                // Access tokens are signed JWTs that only this app reads; nothing secret is in them.
                server.DisableAccessTokenEncryption();
                server.SetAccessTokenLifetime(options.AccessTokenLifetime)
                    .SetRefreshTokenLifetime(options.RefreshTokenLifetime)
                    .SetAuthorizationCodeLifetime(options.AuthorizationCodeLifetime)
                    .SetIdentityTokenLifetime(TimeSpan.FromMinutes(5))
                    .SetRefreshTokenReuseLeeway(options.RefreshTokenReuseGrace > TimeSpan.Zero ? options.RefreshTokenReuseGrace : null);
                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableErrorPassthrough()
                    .SuppressJsonResponseIndentation();
                if (!requireHttps)
                {
                    aspNetCore.DisableTransportSecurityRequirement();
                }

                ServerRules.Add(server);
            });

        services.AddOptions<OpenIddictServerOptions>().Configure<SigningKeyRing>((server, ring) =>
        {
            // OAuth 2.1 and the MCP specification allow only S256; OpenIddict also accepts "plain" by default.
            server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
            var keys = ring.Current;
            foreach (var key in keys.Signing)
            {
                server.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
            }

            foreach (var key in keys.Encryption)
            {
                server.EncryptionCredentials.Add(new EncryptingCredentials(key, SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
            }
        });
    }

    /// <summary>Whether a request is for one of OpenIddict's server endpoints (<see cref="UseAuthorizationServer"/>).</summary>
    public static bool IsServerPath(PathString path) =>
        path.StartsWithSegments(AuthorizePath) || path.StartsWithSegments(TokenPath) || path.StartsWithSegments(RevokePath)
        || path.StartsWithSegments(MetadataPath) || path.StartsWithSegments(OpenIdMetadataPath) || path.StartsWithSegments(JwksPath);

    /// <summary>
    /// Lets OpenIddict's server handle its endpoints. ASP.NET Core's authentication middleware would ask it about
    /// every request, MCP calls included, which costs an OpenIddict transaction (and, the first time, loading its keys)
    /// on each; <see cref="OAuthPathSchemes"/> removes it from that list and this branch asks it only on its own paths.
    /// </summary>
    public static WebApplication UseAuthorizationServer(this WebApplication app)
    {
        app.UseWhen(context => IsServerPath(context.Request.Path), branch => branch.Use(async (context, next) =>
        {
            var handlers = context.RequestServices.GetRequiredService<IAuthenticationHandlerProvider>();
            if (await handlers.GetHandlerAsync(context, OpenIddictServerAspNetCoreDefaults.AuthenticationScheme) is IAuthenticationRequestHandler handler
                && await handler.HandleRequestAsync())
            {
                return;
            }

            await next(context);
        }));
        return app;
    }

    public static IEndpointRouteBuilder MapAuthorizationServer(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapMethods(AuthorizePath, ["GET", "POST"], AuthorizeEndpoint.HandleAsync).DisableAntiforgery();
        endpoints.MapPost(TokenPath, TokenEndpoint.HandleAsync).DisableAntiforgery();
        return endpoints;
    }
}
