using Microsoft.AspNetCore.Authentication;
using OpenIddict.Server.AspNetCore;

namespace McpFunctions.Auth.Server;

/// <summary>Answers from the authorization endpoints that OpenIddict shapes: an error at the client's validated redirect URI, or an OAuth error body.</summary>
internal static class ServerResponses
{
    public static Task RefuseAsync(HttpContext context, string error, string description) =>
        context.ForbidAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }));
}
