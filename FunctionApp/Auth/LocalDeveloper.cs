using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace McpFunctions.Auth;

/// <summary>
/// Development-only sign-in: a loopback request is authenticated as one fixed local principal.
/// </summary>
/// <remarks>
/// This is the seam that real sign-in replaces: everything downstream sees an ordinary authenticated
/// <see cref="ClaimsPrincipal"/>. A request from any non-loopback address is not authenticated.
/// </remarks>
public sealed class LocalDeveloper(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LocalDeveloper";
    public const string SubjectId = "local-developer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var remote = Context.Connection.RemoteIpAddress;
        if (remote is null || !System.Net.IPAddress.IsLoopback(remote))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var identity = new ClaimsIdentity(
            [
                new Claim("sub", SubjectId),
                new Claim("name", "Local developer"),
                new Claim("scp", "notes preferences files"),
            ],
            SchemeName, "name", "roles");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Response.WriteAsJsonAsync(new
        {
            error = "unauthorized",
            error_description = "The local developer sign-in only accepts requests from this machine (loopback).",
        });
    }
}
