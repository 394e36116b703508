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

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteAsync(Response,
            "The access token is not valid here: it is expired, malformed, signed by an issuer this server does not trust, or meant for another audience.",
            "Sign in: this server needs an access token (see the resource_metadata in WWW-Authenticate).");

    /// <summary>
    /// The 401 every sign-in scheme gives: <c>invalid_token</c> with <paramref name="refused"/> when the request carried
    /// a token, otherwise <c>unauthorized</c> with <paramref name="missing"/>; both with the resource's challenge.
    /// </summary>
    public static Task WriteAsync(HttpResponse response, string refused, string missing)
    {
        response.StatusCode = StatusCodes.Status401Unauthorized;
        var hasToken = response.HttpContext.Request.Headers.ContainsKey(HeaderNames.Authorization);
        ProtectedResource.AddChallenge(response, hasToken ? "invalid_token" : null);
        return response.WriteAsJsonAsync(new
        {
            error = hasToken ? "invalid_token" : "unauthorized",
            error_description = hasToken ? refused : missing,
        });
    }
}
