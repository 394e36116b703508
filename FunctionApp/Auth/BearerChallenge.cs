using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace McpFunctions.Auth;

/// <summary>
/// Every 401 from the MCP endpoints: <c>WWW-Authenticate: Bearer</c> with the protected resource metadata and scopes,
/// and <c>error="invalid_token"</c> when the request carried a token that was refused. The token schemes forward
/// their challenges here, so the answer is the same whichever scheme looked at the token. It authenticates nobody:
/// as the default scheme, it is what fails closed when no sign-in is configured.
/// </summary>
internal sealed class BearerChallenge(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "McpFunctions.Bearer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        if (Request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            ProtectedResource.AddChallenge(Response, "invalid_token");
            await Response.WriteAsJsonAsync(new
            {
                error = "invalid_token",
                error_description = "The access token is not valid here: it is expired, malformed, signed by an issuer this server does not trust, or meant for another audience.",
            });
            return;
        }

        ProtectedResource.AddChallenge(Response);
        await Response.WriteAsJsonAsync(new
        {
            error = "unauthorized",
            error_description = "Sign in: this server needs an access token (see the resource_metadata in WWW-Authenticate).",
        });
    }
}
