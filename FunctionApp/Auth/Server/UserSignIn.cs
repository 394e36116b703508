using System.Security.Claims;
using McpFunctions.Audit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Antiforgery;

namespace McpFunctions.Auth.Server;

/// <summary>
/// The browser session of a user at the authorization server (a cookie, an hour long), set after Entra sign-in or
/// the local sign-in page. It only lets the user approve clients and manage them on the account page; MCP requests
/// never accept it.
/// </summary>
internal static class UserSignIn
{
    public const string Scheme = "McpFunctions.User";

    /// <summary>The user's id: the same <c>{tid}.{oid}</c> (or local name) that keys their data and our tokens' <c>sub</c>.</summary>
    public const string SubjectClaim = "sub";

    public const string NameClaim = "name";

    /// <summary>
    /// Cookies: <c>__Host-</c> names (Secure, host-only, path /) on https. A plain-http loopback run in Development
    /// cannot set Secure cookies for every client, so there the names drop the prefix.
    /// </summary>
    /// <remarks>
    /// With <paramref name="localSignIn"/> the cookie scheme is added here and sends users to the local sign-in page;
    /// otherwise Entra's OpenID Connect handler owns the cookie and <see cref="EntraSignIn"/> adds both.
    /// </remarks>
    public static void AddUserSignIn(this AuthenticationBuilder authentication, bool requireHttps, bool localSignIn)
    {
        if (localSignIn)
        {
            authentication.AddCookie(Scheme, cookie =>
            {
                ConfigureCookie(cookie, requireHttps);
                cookie.LoginPath = LocalSignInPage.Path;
                cookie.ReturnUrlParameter = "returnUrl";
            });
        }

        authentication.Services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = CookiePrefix(requireHttps) + "mcp-csrf";
            antiforgery.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            antiforgery.Cookie.Path = "/";
            antiforgery.FormFieldName = "csrf";
            antiforgery.HeaderName = null;
            antiforgery.SuppressXFrameOptionsHeader = true;
        });
    }

    public static void ConfigureCookie(CookieAuthenticationOptions cookie, bool requireHttps)
    {
        cookie.Cookie.Name = CookiePrefix(requireHttps) + "mcp-user";
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SameSite = SameSiteMode.Lax;
        cookie.Cookie.SecurePolicy = requireHttps ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        cookie.Cookie.Path = "/";
        cookie.ExpireTimeSpan = TimeSpan.FromHours(1);
        cookie.SlidingExpiration = false;
    }

    /// <summary>Sends the browser to sign in (the local page, or Entra ID), then back to <paramref name="returnUrl"/>.</summary>
    public static Task ChallengeAsync(HttpContext context, string returnUrl) =>
        context.ChallengeAsync(context.RequestServices.GetRequiredService<AuthorizationServerState>().SignInScheme, new AuthenticationProperties { RedirectUri = returnUrl });

    /// <summary>
    /// The signed-in user's id, as <see cref="Caller"/> keys data (Entra: <c>{tid}.{oid}</c>), their name, and the
    /// claims our tokens carry for a downstream API (<see cref="Downstream.DownstreamTokens.HomeAccountClaims"/>); or null.
    /// </summary>
    public static async Task<(string Id, string Name, Claim[] HomeAccount)?> UserAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
        {
            return null;
        }

        var caller = Caller.From(result.Principal);
        return (caller.Id, caller.Name ?? caller.Id, [.. Downstream.DownstreamTokens.HomeAccountClaims(result.Principal)]);
    }

    /// <summary>Records a sign-in (<paramref name="method"/>: <c>local</c> or <c>entra</c>) in the audit trail of the user it signs in.</summary>
    public static void Audit(HttpContext context, string userId, string method, bool allowed) =>
        context.RequestServices.GetRequiredService<AuditTrail>().RecordFor(userId,
            new AuditEvent(AuditKinds.SignIn, method, allowed ? AuditOutcomes.Ok : AuditOutcomes.Refused));

    private static string CookiePrefix(bool requireHttps) => requireHttps ? "__Host-" : "";

    public static ClaimsPrincipal Principal(string subject, string name, string authenticationMethod) =>
        new(new ClaimsIdentity([new Claim(SubjectClaim, subject), new Claim(NameClaim, name), new Claim("amr", authenticationMethod)], Scheme, NameClaim, "roles"));

    /// <summary>A path on this site to return to after sign-in; anything else (another host, <c>//host</c>, a backslash) becomes "/".</summary>
    public static string LocalReturnUrl(string? value) =>
        !string.IsNullOrEmpty(value) && value[0] == '/' && (value.Length == 1 || (value[1] != '/' && value[1] != '\\')) && !value.Any(char.IsControl)
            ? value
            : "/";

    public static string CsrfField(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return HtmlPage.Hidden(tokens.FormFieldName, tokens.RequestToken);
    }
}
