using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.WebUtilities;

namespace McpFunctions.Auth;

/// <summary>
/// Authenticates a request that this process's relay pump replays to its own listener (a client's answer that
/// reached another instance, or a session ended elsewhere) as the session's owner, whose stored claims it carries.
/// </summary>
/// <remarks>
/// Only a request carrying this process's random relay secret is sent here (<see cref="SelectFor"/>);
/// the secret never leaves the process, so no client can pose as the relay or as another user.
/// </remarks>
internal sealed class RelayedUser(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, RelayedUser.Secret secret)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Relayed";

    /// <summary>Carries the per-process relay secret.</summary>
    public const string SecretHeader = "X-McpFunctions-Relay";

    /// <summary>Carries the session owner's stored claims (<see cref="PrincipalClaims"/>, base64).</summary>
    public const string OwnerHeader = "X-McpFunctions-Relay-Owner";

    /// <summary>Whether the request was authenticated as a relayed one (the session row may already be gone).</summary>
    public static bool IsRelayed(HttpContext context) =>
        context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Ticket?.AuthenticationScheme == SchemeName;

    /// <summary>A sign-in scheme's forward selector: this scheme for a request carrying this process's relay secret, else none.</summary>
    public static string? SelectFor(HttpContext context) =>
        context.Request.Headers.TryGetValue(SecretHeader, out var value)
        && context.RequestServices.GetRequiredService<Secret>().Matches(value.ToString())
            ? SchemeName
            : null;

    /// <summary>Adds the secret and the owner's claims to a request this process sends to itself.</summary>
    public static void Sign(HttpRequestMessage request, Secret secret, string ownerClaims)
    {
        request.Headers.Add(SecretHeader, secret.Value);
        request.Headers.Add(OwnerHeader, Convert.ToBase64String(Encoding.UTF8.GetBytes(ownerClaims)));
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var owner = Request.Headers[OwnerHeader].ToString();
        if (!secret.Matches(Request.Headers[SecretHeader].ToString()) || owner.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        ClaimsPrincipal user;
        try
        {
            user = PrincipalClaims.Deserialize(Encoding.UTF8.GetString(Convert.FromBase64String(owner)));
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return Task.FromResult(AuthenticateResult.Fail("The relayed owner claims cannot be read."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(user, SchemeName)));
    }

    /// <summary>Random per process start; proves that a request to this process's listener came from its own relay pump.</summary>
    internal sealed class Secret
    {
        public string Value { get; } = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

        public bool Matches(string? value) =>
            !string.IsNullOrEmpty(value)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(value), Encoding.ASCII.GetBytes(Value));
    }
}
