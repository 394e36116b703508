using Microsoft.AspNetCore;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The MCP-specific rules added to OpenIddict's request pipeline: a token request's <c>resource</c> must be this
/// server (RFC 8707), the metadata names registration and client metadata documents, and codes and refresh tokens rotate
/// and their replays revoke the grant.
/// (The authorization request's resource and scopes are checked by <see cref="AuthorizeEndpoint"/>, after OpenIddict
/// has validated the redirect URI, so that those errors reach the client.)
/// </summary>
internal static class ServerRules
{
    public static void Add(OpenIddictServerBuilder server)
    {
        server.AddEventHandler(RefreshTokenRotation.Descriptor);
        server.AddEventHandler(RevokeReplayedGrants.Descriptor);
        server.AddEventHandler(RevokeGrantOnSignOut.Descriptor);
        server.AddEventHandler<OpenIddictServerEvents.ValidateTokenRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                var request = context.Transaction.GetHttpRequest()!;
                if (ForeignResource(context.Request, request) is { } foreign)
                {
                    context.Reject(Errors.InvalidTarget, $"The resource '{foreign}' is not this server; use {ProtectedResource.ResourceUrl(request)}.");
                }

                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Exchange.ValidateResources.Descriptor.Order + 1));

        server.AddEventHandler<OpenIddictServerEvents.HandleConfigurationRequestContext>(handler => handler
            .UseInlineHandler(context =>
            {
                var request = context.Transaction.GetHttpRequest()!;
                // Public clients authenticate with nothing (PKCE binds their codes); key-based client assertions are not offered.
                foreach (var methods in new[] { context.TokenEndpointAuthenticationMethods, context.RevocationEndpointAuthenticationMethods })
                {
                    methods.Remove(ClientAuthenticationMethods.PrivateKeyJwt);
                    methods.Add(ClientAuthenticationMethods.None);
                }

                context.Metadata["registration_endpoint"] = ProtectedResource.Origin(request) + AuthorizationServer.RegisterPath;
                context.Metadata["client_id_metadata_document_supported"] = true;
                return ValueTask.CompletedTask;
            })
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachAdditionalMetadata.Descriptor.Order + 1));
    }

    /// <summary>The first <c>resource</c> that is not this server's MCP endpoint, or null.</summary>
    public static string? ForeignResource(OpenIddictRequest request, HttpRequest http)
    {
        var own = ProtectedResource.ResourceUrl(http);
        foreach (var resource in request.GetResources())
        {
            if (!string.Equals(resource.TrimEnd('/'), own, StringComparison.Ordinal))
            {
                return resource;
            }
        }

        return null;
    }

    /// <summary>The first requested scope this server does not offer, or null.</summary>
    public static string? UnknownScope(OpenIddictRequest request) =>
        request.GetScopes().FirstOrDefault(scope => !McpScopes.All.Contains(scope) && !AuthorizationServer.StandardScopes.Contains(scope));
}
