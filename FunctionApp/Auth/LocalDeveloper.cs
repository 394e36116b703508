using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Net.Http.Headers;

namespace McpFunctions.Auth;

/// <summary>
/// Development-only sign-in: a loopback request is authenticated as one fixed local principal.
/// </summary>
/// <remarks>
/// This is the seam that real sign-in replaces: everything downstream sees an ordinary authenticated
/// <see cref="ClaimsPrincipal"/>. A request from any non-loopback address is not authenticated.
/// </remarks>
internal sealed class LocalDeveloper(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "LocalDeveloper";
    public const string SubjectId = "local-developer";

    /// <summary>
    /// Optional request header naming one of several local identities (<c>local-developer:{name}</c>), so two users
    /// can be tried on one machine. Same trust as the default identity: Development and loopback only.
    /// </summary>
    public const string IdentityHeader = "X-Local-Developer";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var remote = Context.Connection.RemoteIpAddress;
        if (remote is null || !System.Net.IPAddress.IsLoopback(remote))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (Request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            return Task.FromResult(AuthenticateResult.Fail("The request carries a token, and no token validation is configured (AzureAd)."));
        }

        var subject = SubjectId;
        var name = Request.Headers[IdentityHeader].ToString();
        if (name.Length > 0)
        {
            if (!IsValidName(name))
            {
                return Task.FromResult(AuthenticateResult.Fail(InvalidNameMessage));
            }

            subject = $"{SubjectId}:{name}";
        }

        var identity = new ClaimsIdentity(
            [
                new Claim("sub", subject),
                new Claim("name", name.Length > 0 ? $"Local developer ({name})" : "Local developer"),
                new Claim("scp", string.Join(' ', McpScopes.All)),
            ],
            SchemeName, "name", "roles");
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private static readonly string InvalidNameMessage = $"{IdentityHeader} must be 1-32 characters of a-z, 0-9 and '-'.";

    private static bool IsValidName(string name) => name.Length <= 32 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    // A presented token is never ignored in favour of the local developer: it is refused. A malformed identity header
    // is named as the cause, rather than the address.
    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Request.Headers[IdentityHeader].ToString() is { Length: > 0 } name && !IsValidName(name)
            ? BearerChallenge.WriteAsync(Response, InvalidNameMessage, InvalidNameMessage)
            : BearerChallenge.WriteAsync(Response,
                "This server cannot validate the presented token: configure AzureAd, or send the request without one.",
                "The local developer sign-in only accepts requests from this machine (loopback).");
}
