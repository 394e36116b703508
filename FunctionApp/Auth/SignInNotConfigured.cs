using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;

namespace McpFunctions.Auth;

/// <summary>
/// Fails closed: in <see cref="AuthMode.Entra"/> mode, until token validation is configured, every MCP request gets 401
/// with a Bearer challenge naming the protected resource metadata.
/// </summary>
internal sealed class SignInNotConfigured(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "SignInNotConfigured";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        ProtectedResource.AddChallenge(Response);
        await Response.WriteAsJsonAsync(new
        {
            error = "unauthorized",
            error_description = "Sign-in is not configured on this server, so no request can be authenticated.",
        });
    }
}
